"""One registration is one trace across the three services: the services run as processes
exporting spans by OTLP/HTTP to a receiver here; the spans of the registration's request
(events), its publication, and its handling in notifications and contacts share a trace id."""

from __future__ import annotations

import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from aiq_devstack.ports import free_port
from aiq_devstack.stack import Stack, StackConfig
from helpers import local, logs_of, upcoming, wait_for

pytestmark = pytest.mark.e2e


class Spans:
    def __init__(self) -> None:
        self.by_trace: dict[str, list[tuple[str, str]]] = defaultdict(list)  # (service, name)
        self.lock = threading.Lock()

    def add(self, body: bytes) -> None:
        request = ExportTraceServiceRequest.FromString(body)
        with self.lock:
            for resource_spans in request.resource_spans:
                service = next(
                    a.value.string_value
                    for a in resource_spans.resource.attributes
                    if a.key == "service.name"
                )
                for scope in resource_spans.scope_spans:
                    for span in scope.spans:
                        self.by_trace[span.trace_id.hex()].append((service, span.name))


@pytest.fixture
def receiver():
    spans = Spans()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/v1/traces":
                spans.add(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}", spans
    server.shutdown()


def test_a_registration_is_one_trace_across_the_services(tmp_path, receiver) -> None:
    endpoint, spans = receiver
    env = {f"AIQ_{s}_OTLP_ENDPOINT": endpoint for s in ("CONTACTS", "EVENTS", "NOTIFICATIONS")}
    env |= {"OTEL_BSP_SCHEDULE_DELAY": "500"}  # export every half second
    stack = Stack(StackConfig.isolated(tmp_path, "traces", memory=True, extra_env=env))
    stack.start()
    try:
        http = stack.http(timeout=30)
        contacts, events = stack.url("contacts"), stack.url("events")
        organisation = http.post(
            f"{contacts}/organisations", json={"name": "Bäckerei Kamp", "district": "Hörde"}
        ).json()
        person = http.post(
            f"{contacts}/people",
            json={
                "first_name": "Lina",
                "last_name": "Kamp",
                "email": "lina@kamp.example",
                "organisation_id": organisation["id"],
            },
        ).json()
        starts, ends = upcoming()
        meeting = http.post(
            f"{events}/events",
            json={
                "title": "Netzwerktreffen Hörde",
                "starts_at": local(starts),
                "ends_at": local(ends),
                "venue": {"name": "Café Durchblick"},
                "capacity": 10,
                "districts": ["Hörde"],
            },
        ).json()
        http.post(f"{events}/events/{meeting['id']}/publish", json={"invite": False})

        def registered():  # type: ignore[no-untyped-def]
            response = http.post(
                f"{events}/events/{meeting['id']}/registrations", json={"person_id": person["id"]}
            )
            return response if response.status_code == 201 else None

        traceparent = wait_for(registered, timeout=30).headers["traceparent"]
        trace_id = traceparent.split("-")[1]

        def crossed() -> list[tuple[str, str]] | None:
            with spans.lock:
                found = list(spans.by_trace.get(trace_id, []))
            # every service exports its spans when its own batch is due (each half second),
            # so the relay's publish span may come after the consumers' spans: wait for both
            # consumers' handling spans and for the publish
            handled_by = {
                service
                for service, name in found
                if name.startswith("process aiq.registration.confirmed")
            }
            published = ("aiq-events", "publish aiq.registrations") in found
            wanted = handled_by >= {"aiq-contacts", "aiq-notifications"} and published
            return found if wanted else None

        found = wait_for(crossed, timeout=30, interval=0.5)
        names = {(service, name) for service, name in found}
        assert any(s == "aiq-events" and "registrations" in n for s, n in names)  # the request
        assert ("aiq-events", "publish aiq.registrations") in names
        assert ("aiq-notifications", "process aiq.registration.confirmed.v1") in names
        assert ("aiq-contacts", "process aiq.registration.confirmed.v1") in names
        mongo = [n for s, n in names if s == "aiq-notifications" and not n.startswith("process")]
        assert mongo  # the handler's database commands are spans of the same trace
    except BaseException:
        print(logs_of(stack))
        raise
    finally:
        stack.stop()
