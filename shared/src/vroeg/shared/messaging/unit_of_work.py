"""One transaction per HTTP request or Kafka event, with the outbox and inbox inside it."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from aiokafka.structs import ConsumerRecord
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vroeg.shared import upserts
from vroeg.shared.cloudevents import Headers, encode
from vroeg.shared.events import Event
from vroeg.shared.messaging.tables import outbox, processed_events
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.telemetry import error_text
from vroeg.shared.topics import dead_letter_topic, topic_for

_MAX_ERROR_TEXT = 2000
# Looked up once: the global provider's `get_tracer` builds a new tracer at every call, which
# cost about a tenth of the matcher's time per signal. (A proxy until telemetry sets the
# provider, then that provider's.)
_tracer = trace.get_tracer(__name__)
# One statement for any number of ids (an array parameter), so it is compiled once, not per
# batch size as a multi-row VALUES list would be.
_CLAIM_MANY = (
    insert(processed_events)
    .from_select(
        ["consumer", "event_id"],
        sa.select(
            sa.bindparam("consumer", type_=sa.Text),
            sa.func.unnest(sa.bindparam("ids", type_=ARRAY(sa.Text))),
        ),
    )
    .on_conflict_do_nothing()
    .returning(processed_events.c.event_id)
)
# The outbox rows of a unit of work in one statement whose text is the same for any number of
# rows (a prepared statement per connection, where a multi-row VALUES list would be one per
# row count: ~270 in 10,000 signals of a national month), numbered in their order.
_WRITE_OUTBOX = upserts.insert_all(outbox, ("topic", "key", "value", "headers"))


def encode_headers(headers: Headers) -> list[list[str]]:
    """Kafka headers as JSON-safe pairs for the outbox row."""
    return [[k, base64.b64encode(v).decode()] for k, v in headers]


def decode_headers(stored: list[list[str]]) -> list[tuple[str, bytes]]:
    """The outbox row's headers back as Kafka headers."""
    return [(k, base64.b64decode(v)) for k, v in stored]


class UnitOfWork:
    """A session in a transaction; what it publishes commits or rolls back with it."""

    def __init__(self, session: AsyncSession, *, service: str, settings: ServiceSettings) -> None:
        self.session = session
        self._service = service
        self._settings = settings
        self.published = 0
        # What a subscription's `prepare` loaded for the handlers of this transaction's batch.
        self.prepared: dict[Any, Any] = {}
        # What a subscription's `look_up` answered for this transaction's events, by event id.
        self.looked_up: dict[str, Any] = {}
        # Outbox rows, written in one statement when the work is done (before the commit).
        self._outbox: list[dict[str, Any]] = []

    async def publish(self, event: Event) -> None:
        """Write `event` to the outbox; the relay sends it once this transaction commits."""
        await self.publish_many([event])

    async def publish_many(self, events: Sequence[Event], *, new_traces: bool = False) -> None:
        """Write events to the outbox in one statement (for batches), in their order.

        One producer span per topic covers the events sent to it together (OpenTelemetry's
        batch publishing); its context travels with each, so every consumer's span joins it.
        With `new_traces` (independent signals delivered together) each event starts a trace
        of its own instead, at a `create` span linked to the current span: one signal, one
        trace, and the batch still found from each.
        """
        if not events:
            return
        topics = [self._settings.topic(topic_for(event).name) for event in events]
        carriers = _new_traces(events, topics) if new_traces else _shared_traces(events, topics)
        source = f"/vroeg/{self._service}"
        rows = []
        for event, topic, carrier in zip(events, topics, carriers, strict=True):
            message = encode(event, topic=topic, source=source, trace=carrier)
            rows.append(_row(message.topic, message.key, message.value, message.headers))
        self._outbox.extend(rows)
        self.published += len(rows)

    async def dead_letter(
        self, record: ConsumerRecord, error: BaseException, attempts: int
    ) -> None:
        """Park a record this service could not process, with why, on its dead-letter topic."""
        headers = [
            *(record.headers or ()),
            ("vroeg_dlq_topic", record.topic.encode()),
            ("vroeg_dlq_partition", str(record.partition).encode()),
            ("vroeg_dlq_offset", str(record.offset).encode()),
            ("vroeg_dlq_consumer", self._service.encode()),
            ("vroeg_dlq_attempts", str(attempts).encode()),
            ("vroeg_dlq_error", error_text(error)[:_MAX_ERROR_TEXT].encode()),
        ]
        topic = self._settings.topic(dead_letter_topic(self._service))
        await self._add(topic, record.key or b"", record.value or b"", headers)

    async def claim(self, event_id: str) -> bool:
        """Record `event_id` as processed by this service; False if it already was."""
        result = await self.session.execute(
            insert(processed_events)
            .values(consumer=self._service, event_id=event_id)
            .on_conflict_do_nothing()
            .returning(processed_events.c.event_id)
        )
        return result.first() is not None

    async def claim_many(self, event_ids: Sequence[str]) -> set[str]:
        """Record several event ids as processed in one statement; those that were not yet."""
        result = await self.session.execute(
            _CLAIM_MANY, {"consumer": self._service, "ids": list(dict.fromkeys(event_ids))}
        )
        return set(result.scalars())

    async def _add(self, topic: str, key: bytes, value: bytes, headers: Headers) -> None:
        self._outbox.append(_row(topic, key, value, headers))
        self.published += 1

    async def write_outbox(self) -> None:
        """Write what was published to the outbox, in publishing order, in one statement."""
        if self._outbox:
            rows, self._outbox = self._outbox, []
            await upserts.keep(self.session, _WRITE_OUTBOX, rows)


def _producer_attributes(topic: str, operation: str) -> dict[str, str | int]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.name": operation,
        "messaging.operation.type": operation,
        "messaging.destination.name": topic,
    }


def _shared_traces(events: Sequence[Event], topics: Sequence[str]) -> list[dict[str, str]]:
    """One `send` span per topic in the current trace; each event's trace headers."""
    carriers: dict[str, dict[str, str]] = {}
    for topic in dict.fromkeys(topics):
        batch = [event for event, t in zip(events, topics, strict=True) if t == topic]
        attributes = _producer_attributes(topic, "send")
        if len(batch) == 1:
            attributes["messaging.message.id"] = str(batch[0].id)
        else:
            attributes["messaging.batch.message_count"] = len(batch)
        # Started and ended, not made current: nothing runs inside it but the injection (the
        # context manager's machinery cost twice the span itself, per event of every service).
        span = _tracer.start_span(f"send {topic}", kind=SpanKind.PRODUCER, attributes=attributes)
        carriers[topic] = {}
        propagate.inject(carriers[topic], context=trace.set_span_in_context(span))
        span.end()
    return [carriers[topic] for topic in topics]


def _new_traces(events: Sequence[Event], topics: Sequence[str]) -> list[dict[str, str]]:
    """A root `create` span per signal (events with one partition key: a signal and its lean
    fact), linked to the current span, the signal's other events created under it; each
    event's trace headers. One signal is one trace."""
    current = trace.get_current_span().get_span_context()
    links = [Link(current)] if current.is_valid else []
    roots: dict[str, Context] = {}
    carriers = []
    for event, topic in zip(events, topics, strict=True):
        attributes = _producer_attributes(topic, "create")
        attributes["messaging.message.id"] = str(event.id)
        key = event.partition_key()
        span = _tracer.start_span(
            f"create {topic}",
            context=roots.get(key, Context()),  # no parent: a new trace
            kind=SpanKind.PRODUCER,
            attributes=attributes,
            links=[] if key in roots else links,
        )
        context = trace.set_span_in_context(span)
        roots.setdefault(key, context)
        carrier: dict[str, str] = {}
        propagate.inject(carrier, context=context)
        carriers.append(carrier)
        span.end()
    return carriers


def _row(topic: str, key: bytes, value: bytes, headers: Headers) -> dict[str, Any]:
    return {"topic": topic, "key": key, "value": value, "headers": encode_headers(headers)}


class Database:
    """Hands out units of work and wakes the outbox relay when one published something."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        service: str,
        settings: ServiceSettings,
    ) -> None:
        self.sessionmaker = sessionmaker
        self._service = service
        self._settings = settings
        self.outbox_written = asyncio.Event()

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """Commit when the block ends normally, roll back when it raises."""
        async with self.sessionmaker() as session, session.begin():
            uow = UnitOfWork(session, service=self._service, settings=self._settings)
            yield uow
            await uow.write_outbox()
        if uow.published:
            self.outbox_written.set()
