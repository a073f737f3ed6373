"""Prometheus metrics every service exposes on ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
HTTP_REQUEST_SECONDS = Histogram(
    "aiq_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PARKED = Gauge("aiq_parked_events", "Events waiting for a prerequisite", ["consumer"])
# Set by the notifications service (a reading every few seconds).
DELIVERIES = Gauge("aiq_deliveries", "Emails by state", ["state"])
CAMPAIGN_INVITATIONS = Gauge(
    "aiq_campaign_invitations", "Invitations of running campaigns by state", ["campaign", "state"]
)
