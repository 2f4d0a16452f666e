"""A small OTLP/HTTP trace receiver: what a collector would get from the services."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from tests.support.local_http import LocalServer, QuietHandler


@dataclass(frozen=True)
class ReceivedSpan:
    """The parts of a span the tests look at."""

    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: int
    attributes: dict[str, str]
    # The process's resource attributes (service.name, process.pid, …).
    resource: dict[str, str] = field(default_factory=dict)
    events: tuple[tuple[str, dict[str, str]], ...] = ()
    status_message: str = ""
    # (trace id, span id) of each span this one links to.
    links: tuple[tuple[str, str], ...] = ()

    def texts(self) -> list[str]:
        """Every text the span carries: attributes, events, status and resource."""
        return [
            self.name,
            self.status_message,
            *self.attributes.values(),
            *self.resource.values(),
            *(text for name, attrs in self.events for text in (name, *attrs.values())),
        ]


class OtlpReceiver(LocalServer):
    """Listens on loopback and keeps every span exported to `/v1/traces`."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                receiver._keep(request)
                payload = ExportTraceServiceResponse().SerializeToString()
                self.answer(200, payload, "application/x-protobuf")

        super().__init__(Handler)

    @property
    def endpoint(self) -> str:
        """The base URL to put in OTEL_EXPORTER_OTLP_ENDPOINT."""
        return self.url

    def snapshot(self) -> list[ReceivedSpan]:
        with self._lock:
            return list(self.spans)

    def _keep(self, request: ExportTraceServiceRequest) -> None:
        received = []
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            service = resource.get("service.name", "")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        ReceivedSpan(
                            service=service,
                            name=span.name,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            kind=span.kind,
                            attributes=_attributes(span.attributes),
                            resource=resource,
                            events=tuple((e.name, _attributes(e.attributes)) for e in span.events),
                            status_message=span.status.message,
                            links=tuple(
                                (link.trace_id.hex(), link.span_id.hex()) for link in span.links
                            ),
                        )
                    )
        with self._lock:
            self.spans.extend(received)


def _attributes(pairs: Iterable[KeyValue]) -> dict[str, str]:
    return {pair.key: _text(pair.value) for pair in pairs}


def _text(value: AnyValue) -> str:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return ",".join(_text(v) for v in value.array_value.values)
    if kind == "kvlist_value":
        return ",".join(f"{p.key}={_text(p.value)}" for p in value.kvlist_value.values)
    return "" if kind is None else str(getattr(value, kind))
