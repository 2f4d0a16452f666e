"""Which traces a service records (`OTEL_TRACES_SAMPLER`): every one by default, or a share by
trace id that every service decides alike — and never a root trace of a client call alone."""

from __future__ import annotations

import random
import uuid

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

from vroeg.shared import telemetry
from vroeg.shared.telemetry import configure_tracing, sampler

TRACES = range(1, 2**64, 2**64 // 1000)  # 1,000 trace ids spread over the ratio's range


def _remote(trace_id: int, sampled: bool) -> trace.Span:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    return NonRecordingSpan(SpanContext(trace_id, 1, is_remote=True, trace_flags=flags))


def _records(
    trace_id: int, kind: SpanKind = SpanKind.SERVER, parent: trace.Span | None = None
) -> bool:
    context = trace.set_span_in_context(parent) if parent is not None else None
    result = sampler().should_sample(context, trace_id, "span", kind)
    return result.decision is Decision.RECORD_AND_SAMPLE


def test_by_default_every_trace_is_recorded_but_a_client_call_s_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    assert all(_records(t) for t in TRACES)
    assert not any(_records(t, SpanKind.CLIENT) for t in TRACES)
    # A client call within a request or an event belongs to its trace.
    assert all(_records(t, SpanKind.CLIENT, _remote(t, sampled=True)) for t in TRACES)


def test_a_share_of_the_traces_is_recorded_and_each_service_follows_its_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    roots = [t for t in TRACES if _records(t)]
    assert 200 <= len(roots) <= 300
    assert not any(_records(t, SpanKind.CLIENT) for t in TRACES)
    # Downstream, the root's decision as the traceparent carries it, whatever the trace id.
    for t in TRACES:
        assert _records(t, SpanKind.CONSUMER, _remote(t, sampled=True))
        assert not _records(t, SpanKind.CONSUMER, _remote(t, sampled=False))
        assert not _records(t, SpanKind.CLIENT, _remote(t, sampled=False))


def test_a_caller_s_sampled_flag_does_not_decide_for_us(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request under a caller's trace is decided as a root is, by the trace id: a creditor
    whose traces are unsampled still has its signals recorded, one that samples all does not
    have all recorded. Our own services decide alike, so one's request to another keeps the
    decision the trace's root made."""
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    assert all(_records(t, SpanKind.SERVER, _remote(t, sampled=False)) for t in TRACES)
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    own = [_records(t) for t in TRACES]
    for sampled in (True, False):
        assert [_records(t, SpanKind.SERVER, _remote(t, sampled)) for t in TRACES] == own
        # Work continuing a kept trace (a review's decision, a forward's post) follows it.
        assert all(_records(t, SpanKind.INTERNAL, _remote(t, sampled)) == sampled for t in TRACES)


def test_a_share_of_traces_whose_ids_are_uuids_is_recorded_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A creditor's systems may make trace ids of version 4 UUIDs, whose lower half starts
    with fixed bits: read as they are (OpenTelemetry's TraceIdRatioBased), a quarter recorded
    none of them."""
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.25")
    draw = random.Random(7)
    uuids = [uuid.UUID(int=draw.getrandbits(128), version=4).int for _ in range(1000)]
    assert 200 <= sum(_records(t) for t in uuids) <= 300
    # A creditor's request under such a trace, and every service after it, alike.
    for t in uuids[:100]:
        assert _records(t, SpanKind.SERVER, _remote(t, sampled=False)) == _records(t)


@pytest.mark.parametrize(
    ("name", "arg", "message"),
    [
        ("traceidratio", "0.5", "unsupported OTEL_TRACES_SAMPLER 'traceidratio'"),
        ("always_off", "", "unsupported OTEL_TRACES_SAMPLER 'always_off'"),
        ("parentbased_traceidratio", "1.5", "a share from 0 to 1, not '1.5'"),
        ("parentbased_traceidratio", "tenth", "a share from 0 to 1, not 'tenth'"),
        ("parentbased_traceidratio", "nan", "a share from 0 to 1, not 'nan'"),
    ],
)
def test_a_sampler_that_would_break_a_signal_s_trace_or_no_share_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, arg: str, message: str
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", name)
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", arg)
    with pytest.raises(ValueError, match=message):
        sampler()


@pytest.mark.parametrize("exporter", ["none", "console"])
def test_without_an_exporter_no_span_is_recorded_but_each_has_its_trace_s_ids(
    monkeypatch: pytest.MonkeyPatch, exporter: str
) -> None:
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", exporter)
    monkeypatch.setattr(telemetry.trace, "set_tracer_provider", lambda provider: None)
    provider = configure_tracing("test")
    try:
        tracer = provider.get_tracer(__name__)
        upstream = _remote(2**100 + 7, sampled=True)
        with tracer.start_as_current_span("process", kind=SpanKind.CONSUMER) as root:
            recording = root.is_recording()
            passed_on = telemetry.current_traceparent()
            child = tracer.start_span("child", context=trace.set_span_in_context(upstream))
    finally:
        provider.shutdown()
    # Recorded only for an exporter to take; either way the log lines have ids to carry, and
    # a span under an event's traceparent keeps its trace.
    assert recording is (exporter == "console")
    assert passed_on is not None
    assert int(passed_on[-2:], 16) & TraceFlags.SAMPLED == (exporter == "console")
    assert root.get_span_context().is_valid
    assert child.get_span_context().trace_id == 2**100 + 7
