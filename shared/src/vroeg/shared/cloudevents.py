"""CloudEvents 1.0 in Kafka binary mode: attributes as `ce_*` headers, the event as the value.

The W3C trace context rides along as the `traceparent`/`tracestate` headers (the CloudEvents
distributed-tracing extension), so a consumer's span continues the producer's trace.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from vroeg.shared.events import EVENT_TYPES, Event
from vroeg.shared.telemetry import error_text

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
_ENVELOPE_FIELDS = {"id", "occurred_at"}

Headers = Sequence[tuple[str, bytes]]


class UndecodableMessage(ValueError):
    """A message that is not a CloudEvent we know; it can only be dead-lettered."""


@dataclass(frozen=True)
class Message:
    """One Kafka record, ready to send."""

    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def encode(event: Event, *, topic: str, source: str, trace: Mapping[str, str]) -> Message:
    """Turn an event into a binary-mode CloudEvent record for `topic`."""
    data = event.model_dump(mode="json", exclude=_ENVELOPE_FIELDS)
    headers = {
        "ce_specversion": SPEC_VERSION,
        "ce_id": str(event.id),
        "ce_source": source,
        "ce_type": event.cloudevents_type(),
        "ce_time": event.occurred_at.isoformat(),
        "ce_municipality": event.municipality,
        "content-type": CONTENT_TYPE,
        **trace,
    }
    return Message(
        topic=topic,
        key=event.partition_key().encode(),
        value=json.dumps(data, separators=(",", ":")).encode(),
        headers=tuple((k, v.encode()) for k, v in headers.items()),
    )


def header_map(headers: Headers | None) -> dict[str, str]:
    """Kafka headers as text, last value winning."""
    return {k: v.decode(errors="replace") for k, v in headers or ()}


def decode(headers: Headers | None, value: bytes | None) -> Event:
    """Read a binary-mode CloudEvent record back into its typed event."""
    attrs = header_map(headers)
    if attrs.get("ce_specversion") != SPEC_VERSION:
        raise UndecodableMessage("not a CloudEvents 1.0 record")
    cls = EVENT_TYPES.get(attrs.get("ce_type", ""))
    if cls is None:
        raise UndecodableMessage(f"unknown event type {attrs.get('ce_type')!r}")
    try:
        data = json.loads(value or b"")
        if not isinstance(data, dict):
            raise UndecodableMessage("event data is not a JSON object")
        return cls.model_validate({**data, "id": attrs["ce_id"], "occurred_at": attrs["ce_time"]})
    except (ValueError, KeyError, ValidationError) as exc:
        if isinstance(exc, UndecodableMessage):
            raise
        # Without the input values a ValidationError's own text would quote (personal data).
        raise UndecodableMessage(f"invalid {cls.cloudevents_type()}: {error_text(exc)}") from exc
