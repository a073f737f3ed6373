"""Prometheus metrics every service exposes on ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_PUBLISHED = Counter(
    "aiq_events_published_total", "Events the outbox relay published", ["topic", "type"]
)
EVENTS_HANDLED = Counter(
    "aiq_events_handled_total", "Events a consumer handled", ["consumer", "type", "outcome"]
)
EVENTS_DEAD_LETTERED = Counter(
    "aiq_events_dead_lettered_total", "Records sent to a dead-letter topic", ["consumer"]
)
OUTBOX_PENDING = Gauge("aiq_outbox_pending", "Outbox records not yet published")
CONSUMER_LAG = Gauge("aiq_consumer_lag", "Records behind the end of the topic", ["consumer"])
