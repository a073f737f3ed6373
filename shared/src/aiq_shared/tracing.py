"""Traces across HTTP, Kafka and MongoDB (OpenTelemetry), exported by OTLP when configured.

With ``OTLP_ENDPOINT`` set (or ``TRACING`` on) every service records spans: the FastAPI
instrumentation a server span per request, the PyMongo one a span per command, the aiokafka
one a producer span per record the outbox relay publishes and a receive span per record read;
the consumer runner adds a ``process <event type>`` span around each handler. The W3C
``traceparent`` travels as before: the request's span context goes into the outbox record with
the event, the relay publishes it as that context's child, and a consumer continues the trace,
so one registration is one trace from the HTTP request to the email. Without tracing the
``traceparent`` header still carries ids (no spans are recorded).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_instrumented = False
tracer = trace.get_tracer("aiq")


def enabled() -> bool:
    return _instrumented


def configure(service_name: str, otlp_endpoint: str | None, always: bool = False) -> bool:
    """Set up tracing for this process (once; later calls only add nothing). A tracer provider
    set up beforehand (tests) is used as it is."""
    global _instrumented
    if not (otlp_endpoint or always):
        return False
    if _instrumented:
        return True
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": f"aiq-{service_name}"}))
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
        trace.set_tracer_provider(provider)
    from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    PymongoInstrumentor().instrument()
    AIOKafkaInstrumentor().instrument()
    _instrumented = True
    return True


def instrument_app(app: Any) -> None:
    if _instrumented:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="/health,/ready,/metrics")


def current_traceparent_of_span() -> str | None:
    """The ``traceparent`` of the active span (None without one)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


@contextlib.contextmanager
def span(
    name: str, traceparent: str | None, kind: trace.SpanKind, **attributes: Any
) -> Iterator[str | None]:
    """A span that continues ``traceparent``; yields the new span's ``traceparent`` (or the
    given one when tracing is off)."""
    if not _instrumented:
        yield traceparent
        return
    parent = propagate.extract({"traceparent": traceparent} if traceparent else {})
    with tracer.start_as_current_span(name, context=parent, kind=kind, attributes=attributes):
        yield current_traceparent_of_span() or traceparent
