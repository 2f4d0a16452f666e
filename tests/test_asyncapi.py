"""Real records of every topic, encoded by the real codec, conform to `docs/asyncapi.yaml`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
from opentelemetry import propagate, trace
from opentelemetry.sdk.trace import TracerProvider
from polyfactory.factories.pydantic_factory import ModelFactory

from tests.support.asyncapi import DOCUMENT_PATH, AsyncApiContract
from tests.support.signals import resident_signal, routed_signal
from vroeg.shared.cloudevents import Message, encode, header_map
from vroeg.shared.events import EVENT_CLASSES, Event
from vroeg.shared.topics import TOPICS, Topic

CONTRACT = AsyncApiContract()
# Generated events of each type: every optional field both present and absent, every enum value.
SAMPLES_PER_TYPE = 40


def _trace() -> dict[str, str]:
    """The trace headers of a real producer span, as the outbox adds them."""
    tracer = TracerProvider().get_tracer(__name__)
    carrier: dict[str, str] = {}
    with tracer.start_as_current_span("send") as span:
        propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def _samples(cls: type[Event]) -> Iterator[Event]:
    """Generated events of `cls`, valid by its own definition; a new event type gets them too."""
    factory = ModelFactory.create_factory(cls, __random_seed__=8)
    for _ in range(SAMPLES_PER_TYPE):
        yield factory.build()


def _record(topic: Topic, event: Event) -> Message:
    return encode(event, topic=topic.name, source=f"/vroeg/{topic.producer}", trace=_trace())


def test_every_event_type_travels_on_a_documented_topic() -> None:
    assert {t.event for t in TOPICS} == set(EVENT_CLASSES)
    for topic in TOPICS:
        assert CONTRACT.message_pointer(topic.name).endswith(f"/{topic.event.__name__}")


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.name)
def test_encoded_records_of_every_topic_conform_to_the_document(topic: Topic) -> None:
    for event in _samples(topic.event):
        message = _record(topic, event)
        assert CONTRACT.problems(topic.name, header_map(message.headers), message.value) == []


def test_the_events_the_services_build_conform_to_the_document() -> None:
    routed = next(t for t in TOPICS if t.event is type(routed_signal()))
    received = next(t for t in TOPICS if t.event is type(resident_signal(1)))
    for topic, event in ((routed, routed_signal()), (received, resident_signal(1))):
        message = _record(topic, event)
        headers = header_map(message.headers)
        assert "traceparent" in headers
        assert CONTRACT.problems(topic.name, headers, message.value) == []


def test_the_document_refuses_what_a_record_must_not_be() -> None:
    """The check has teeth: envelope fields in the value, another type, a bad trace header."""
    topic = next(t for t in TOPICS if t.event is type(routed_signal()))
    message = _record(topic, routed_signal())
    headers = header_map(message.headers)
    value = message.value.decode()
    with_id = value.replace("{", '{"id":"00000000-0000-0000-0000-000000000001",', 1).encode()
    assert CONTRACT.problems(topic.name, headers, with_id)
    other_type = {**headers, "ce_type": "nl.vroeg.case.opened.v1"}
    assert CONTRACT.problems(topic.name, other_type, message.value)
    assert CONTRACT.problems(topic.name, {**headers, "traceparent": "x"}, message.value)
    assert CONTRACT.problems(topic.name, {**headers, "ce_time": "yesterday"}, message.value)
    without_id = {k: v for k, v in headers.items() if k != "ce_id"}
    assert CONTRACT.problems(topic.name, without_id, message.value)


TOOLS = DOCUMENT_PATH.parents[1] / "tools/spectral"


def test_the_official_asyncapi_parser_accepts_the_document() -> None:
    if not (TOOLS / "node_modules/@asyncapi/parser").exists():
        pytest.fail("@asyncapi/parser is missing: ./dev installs it (npm ci in tools/spectral)")
    result = subprocess.run(
        ["node", str(TOOLS / "asyncapi-parse.mjs"), str(DOCUMENT_PATH)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    diagnostics = json.loads(result.stdout or "[]")
    assert [d for d in diagnostics if d["severity"] in ("error", "warning")] == [], result.stderr
    assert result.returncode == 0, result.stderr
