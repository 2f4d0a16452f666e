"""Structured JSON logs carrying trace ids, and OpenTelemetry tracing set up from `OTEL_*`.

Neither carries personal data: an exception is described by `error_text`, which leaves out the
input values that pydantic and the database put in their messages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from fastapi.exceptions import RequestValidationError
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, Status
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from pydantic import ValidationError

# Attributes every LogRecord has; anything else passed as `extra=` is logged as a field.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message"}


# Modules whose exception texts may be logged as they are (see `error_text`).
_TEXT_SAFE_MODULES = ("vroeg.", "aiokafka.", "httpx", "httpcore")


def error_text(exc: BaseException) -> str:
    """What logs, spans and dead-letter headers may say of an error: never its input values.

    Pydantic puts the offending input in its messages (a name, a BSN), so a validation error
    is told by its field locations and error types. A database error's message can quote a
    value ("invalid input for query argument $1: 'Jansen'") and SQLAlchemy's adds the bound
    parameters, so it is told by its class, SQLSTATE and constraint only.
    """
    kind = type(exc).__name__
    if isinstance(exc, ValidationError | RequestValidationError):
        fields = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['type']}"
            for error in exc.errors()
        )
        return f"{kind}: {fields}"
    database = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    sqlstate = getattr(database, "sqlstate", None) or getattr(database, "pgcode", None)
    if sqlstate:
        driver = database.__cause__ or database  # the asyncpg error behind the adapter's
        where = ", ".join(
            f"{label} {value}"
            for label, attr in (("table", "table_name"), ("constraint", "constraint_name"))
            if (value := getattr(driver, attr, None))
        )
        return f"{kind}: {type(database).__name__} SQLSTATE {sqlstate}" + (
            f" ({where})" if where else ""
        )
    # Our own errors are written without personal data, and a network error names a host;
    # any other text may quote a value it was given (KeyError('Jansen'), "invalid literal
    # for int(): '…'"), so only its class is told.
    if type(exc).__module__.startswith(_TEXT_SAFE_MODULES) or isinstance(exc, OSError):
        return f"{kind}: {exc}"
    return kind


class _ErrorText:
    """An exception as a log argument: formats as its `error_text`, with `%s` and `%r` alike."""

    def __init__(self, exc: BaseException) -> None:
        self._text = error_text(exc)

    def __str__(self) -> str:
        return self._text

    __repr__ = __str__


def _safe(value: object) -> object:
    return _ErrorText(value) if isinstance(value, BaseException) else value


def _traceback_text(exc: BaseException) -> str:
    """A traceback whose every exception, causes included, is told by its `error_text`."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for link in reversed(chain):
        frames = "".join(traceback.format_list(traceback.extract_tb(link.__traceback__)))
        parts.append(f"Traceback (most recent call last):\n{frames}{error_text(link)}")
    return "\nThe above exception led to the following:\n".join(parts)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the active trace and span ids."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "service": self._service,
            "pid": record.process,
            "logger": record.name,
            "message": _message(record),
        }
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            entry["trace_id"] = format(span_context.trace_id, "032x")
            entry["span_id"] = format(span_context.span_id, "016x")
        entry.update(
            {
                k: _safe(v)
                for k, v in vars(record).items()
                if k not in _STANDARD_ATTRS and k[0] != "_"
            }
        )
        if record.exc_info and record.exc_info[1] is not None:
            entry["exception"] = _traceback_text(record.exc_info[1])
        return json.dumps(entry, default=str)


def _message(record: logging.LogRecord) -> str:
    """The record's message, with exceptions among its arguments told by their `error_text`."""
    message, args = str(record.msg), record.args
    if not args:
        return message
    if isinstance(args, tuple):
        return message % tuple(_safe(a) for a in args)
    return message % {k: _safe(v) for k, v in args.items()}


def configure_logging(service: str, level: str) -> None:
    """Send every log record, uvicorn's included, as JSON lines to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    # httpx logs each request's whole URL at INFO: a creditor's webhook URL may hold its
    # token. A request is a span (its URL's query redacted) and a metric instead.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))


class ByKind(Sampler):
    """`then`'s decision, but for a span of a kind `by_kind` names, that kind's sampler's."""

    def __init__(self, then: Sampler, by_kind: Mapping[SpanKind, Sampler]) -> None:
        self._then = then
        self._by_kind = dict(by_kind)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """The decision of the kind's sampler, or `then`'s."""
        chosen = self._by_kind.get(kind, self._then) if kind is not None else self._then
        return chosen.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        """The sampler's name."""
        kinds = ",".join(f"{k.name}:{s.get_description()}" for k, s in self._by_kind.items())
        return f"ByKind{{{self._then.get_description()},{kinds}}}"


class HashedTraceIdRatio(TraceIdRatioBased):
    """OpenTelemetry's `TraceIdRatioBased` on a hash of the whole trace id: every service makes
    the same choice for a trace. The original reads the id's lower 64 bits as they are, and
    trace ids made of a UUID (version 4: a creditor's systems may make them so) have fixed
    bits at their top: at a share under a half none of those traces was recorded, from three
    quarters on all of them."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        """The ratio's decision for the hash of the trace id."""
        digest = hashlib.blake2b(trace_id.to_bytes(16, "big"), digest_size=8).digest()
        return super().should_sample(
            parent_context,
            int.from_bytes(digest, "big"),
            name,
            kind,
            attributes,
            links,
            trace_state,
        )

    def get_description(self) -> str:
        """The sampler's name."""
        return f"HashedTraceIdRatio{{{self.rate}}}"


def _parent_based(decide: Sampler) -> Sampler:
    """`decide` for a trace's root and for a request a service answers under a caller's
    `traceparent`; the parent's decision for every other span.

    Never a root of a client call alone: a database statement or HTTP call outside any
    request or event (the outbox relay's poll, housekeeping, a readiness probe's `SELECT 1`)
    would make a root trace each time. A request under a caller's trace is decided by the
    trace id whatever the caller's sampled flag says: a creditor's client that sends its
    traces unsampled would otherwise leave its signals unrecorded in every service, one that
    samples all would have every one recorded. Our own services decide alike by the same
    trace id, so a request from one to another keeps the decision its trace's root made."""
    return ParentBased(
        root=ByKind(decide, {SpanKind.CLIENT: ALWAYS_OFF}),
        remote_parent_sampled=ByKind(ALWAYS_ON, {SpanKind.SERVER: decide}),
        remote_parent_not_sampled=ByKind(ALWAYS_OFF, {SpanKind.SERVER: decide}),
    )


def sampler() -> Sampler:
    """The sampler `OTEL_TRACES_SAMPLER` names: `parentbased_always_on` (the default, every
    trace) or `parentbased_traceidratio`, the share `OTEL_TRACES_SAMPLER_ARG` (0 to 1) of the
    traces by a hash of the trace id.

    Parent-based either way: a span follows the decision its trace's root made, which the
    `traceparent` carries between services, so a signal's trace is whole in every service or
    in none. A request under a caller's trace is decided anew, alike by the trace id
    (`_parent_based`): a caller's sampled flag does not choose for us. A span not recorded still has
    its trace's ids, and the log lines written in it carry them.
    """
    name = os.environ.get("OTEL_TRACES_SAMPLER", "").strip() or "parentbased_always_on"
    if name == "parentbased_always_on":
        return _parent_based(ALWAYS_ON)
    if name == "parentbased_traceidratio":
        arg = os.environ.get("OTEL_TRACES_SAMPLER_ARG", "").strip() or "1"
        try:
            ratio = float(arg)
        except ValueError:
            ratio = -1.0
        if not 0 <= ratio <= 1:
            raise ValueError(f"OTEL_TRACES_SAMPLER_ARG must be a share from 0 to 1, not {arg!r}")
        return _parent_based(HashedTraceIdRatio(ratio))
    raise ValueError(
        f"unsupported OTEL_TRACES_SAMPLER {name!r}: parentbased_always_on or "
        "parentbased_traceidratio (the others ignore the decision a trace's root made)"
    )


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the current span, to keep with work that continues later."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def continuing(traceparent: str | None, name: str) -> Iterator[trace.Span]:
    """A span continuing a kept trace (see `current_traceparent`), linked to the current span.

    What is done inside, and the events published, belong to the kept trace; the link leads
    from it to the request that did the work.
    """
    current = trace.get_current_span().get_span_context()
    parent = propagate.extract({"traceparent": traceparent} if traceparent else {})
    with trace.get_tracer(__name__).start_as_current_span(
        name, context=parent, links=[Link(current)] if current.is_valid else []
    ) as span:
        yield span


def configure_tracing(service: str) -> TracerProvider:
    """A tracer provider exporting as the standard `OTEL_*` variables say.

    `OTEL_TRACES_EXPORTER` (comma list of `otlp`, `zipkin`, `console`, `none`) picks the
    exporters; it defaults to `otlp` when an OTLP endpoint is configured, else to `zipkin` when
    a Zipkin endpoint is, and to `none` otherwise, so a service without a collector does not
    log export failures. The OTLP exporter (HTTP, protobuf) reads its endpoint, headers and
    timeouts from `OTEL_EXPORTER_OTLP_*`; the Zipkin exporter (JSON v2) its endpoint from
    `OTEL_EXPORTER_ZIPKIN_ENDPOINT` (a Zipkin server's `/api/v2/spans`). Which traces are
    recorded: `sampler`'s choice, and none without an exporter.
    """
    # The process id tells a service's workers apart (VROEG_WORKERS).
    resource = Resource.create({"service.name": f"vroeg-{service}", "process.pid": os.getpid()})
    decide = sampler()  # refused at start if set wrong, exporter or not
    processors = [_processor(exporter) for exporter in _exporters()]
    # Spans no exporter takes are not recorded: their ids are still made, and carried by the
    # log lines and the events, but they pass on as not recorded (the W3C `traceparent`'s
    # flag), so an event's consumer downstream records none of them either (a request is
    # decided anew: `_parent_based`). Recording them for nothing was a fifth of each service's
    # CPU (bench/README.md, "Spans nobody read").
    provider = TracerProvider(resource=resource, sampler=decide if processors else ALWAYS_OFF)
    for processor in processors:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return provider


def _exporters() -> list[SpanExporter]:
    """The exporters `OTEL_TRACES_EXPORTER` names, or its default (`configure_tracing`)."""
    has_endpoint = any(
        os.environ.get(v)
        for v in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )
    default = (
        "otlp"
        if has_endpoint
        else "zipkin"
        if os.environ.get("OTEL_EXPORTER_ZIPKIN_ENDPOINT")
        else "none"
    )
    exporters: list[SpanExporter] = []
    for name in os.environ.get("OTEL_TRACES_EXPORTER", default).split(","):
        name = name.strip()
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporters.append(OTLPSpanExporter())
        elif name == "zipkin":
            from opentelemetry.exporter.zipkin.json import ZipkinExporter

            exporters.append(ZipkinExporter())
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name not in ("none", ""):
            raise ValueError(f"unsupported OTEL_TRACES_EXPORTER {name!r}")
    return exporters


# A batch delivery starts a trace per signal: up to 10,000 spans at once, of which the
# processor's default queue (2,048) would drop thousands.
DEFAULT_SPAN_QUEUE = 20_000


def _processor(exporter: SpanExporter) -> BatchSpanProcessor:
    """Batched export, scrubbed; `OTEL_BSP_MAX_QUEUE_SIZE` overrides the queue."""
    queue = None if os.environ.get("OTEL_BSP_MAX_QUEUE_SIZE") else DEFAULT_SPAN_QUEUE
    return BatchSpanProcessor(Scrubbed(exporter), max_queue_size=queue)


class Scrubbed(SpanExporter):
    """Exports spans without exception messages, stack traces, status descriptions and URL
    queries.

    The instrumentations (FastAPI, SQLAlchemy, httpx) record an exception's own text, which
    can hold personal data; a span keeps the exception's type and its error status, and the
    log line with the same trace id tells the rest through `error_text`. They record a URL's
    query too, redacting only a few cloud signatures: a creditor's webhook URL may hold its
    token there, a sign-in's callback its authorisation code. A query is `REDACTED` whole.
    """

    def __init__(self, exporter: SpanExporter) -> None:
        self._exporter = exporter

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Export the spans, scrubbed."""
        return self._exporter.export([_scrubbed(span) for span in spans])

    def shutdown(self) -> None:
        """Shut the wrapped exporter down."""
        self._exporter.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the wrapped exporter."""
        return self._exporter.force_flush(timeout_millis)


_KEPT_EXCEPTION_ATTRIBUTES = frozenset({"exception.type", "exception.escaped"})
# Where the HTTP instrumentations write a URL or its query (the stable conventions' names and
# the older ones).
_URL_ATTRIBUTES = frozenset({"url.full", "http.url", "http.target"})
_QUERY_ATTRIBUTES = frozenset({"url.query"})


def _scrubbed(span: ReadableSpan) -> ReadableSpan:
    attributes = span.attributes or {}
    queried = {
        name: "REDACTED" if name in _QUERY_ATTRIBUTES else str(value).split("?", 1)[0] + "?REDACTED"
        for name, value in attributes.items()
        if name in _QUERY_ATTRIBUTES or (name in _URL_ATTRIBUTES and "?" in str(value))
    }
    if (
        not queried
        and span.status.description is None
        and not any(e.name == "exception" for e in span.events)
    ):
        return span
    events = [
        Event(
            event.name,
            {k: v for k, v in event.attributes.items() if k in _KEPT_EXCEPTION_ATTRIBUTES},
            event.timestamp,
        )
        if event.name == "exception" and event.attributes is not None
        else event
        for event in span.events
    ]
    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={**attributes, **queried},
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )
