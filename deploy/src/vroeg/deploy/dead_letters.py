"""`vroeg dead-letters`: what a service parked, and putting parked events back once fixed.

A parked record is the original record (key, value, headers, trace context included) plus
`vroeg_dlq_*` headers. Replay sends the original back to its original topic; the service's
consumer then processes it as if it arrived for the first time. The service's inbox
(`processed_events`) tells which parked events were processed since, so they are never put
back twice: parking does not record the id, processing does.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from vroeg.shared.cloudevents import header_map
from vroeg.shared.db import create_engine
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.messaging.kafka import create_producer
from vroeg.shared.messaging.tables import processed_events
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.topics import SERVICES, dead_letter_topic

DLQ_HEADER_PREFIX = "vroeg_dlq_"


class DeadLetterError(RuntimeError):
    """The command cannot do what was asked; the message says why."""


@dataclass(frozen=True)
class Parked:
    """One record on a service's dead-letter topic."""

    record: ConsumerRecord

    @property
    def why(self) -> dict[str, str]:
        """The `vroeg_dlq_*` headers, without their prefix."""
        return {
            k.removeprefix(DLQ_HEADER_PREFIX): v
            for k, v in header_map(self.record.headers).items()
            if k.startswith(DLQ_HEADER_PREFIX)
        }

    @property
    def event_id(self) -> str | None:
        """The parked event's id; None for a record that is no event of ours."""
        return header_map(self.record.headers).get("ce_id")

    @property
    def original_headers(self) -> list[tuple[str, bytes]]:
        """The headers the record had before it was parked."""
        return [(k, v) for k, v in self.record.headers or () if not k.startswith(DLQ_HEADER_PREFIX)]


async def list_parked(settings: ServiceSettings, service: str) -> list[tuple[Parked, bool]]:
    """Every parked record of `service`, oldest first, and whether it was processed since."""
    parked = await _read_dead_letters(settings, service)
    done = await _processed(settings, service, {p.event_id for p in parked if p.event_id})
    return [(p, p.event_id in done) for p in parked]


async def replay(settings: ServiceSettings, service: str, ids: Sequence[str] = ()) -> list[str]:
    """Put the parked events back on their topics (only `ids`, if given); the ids replayed.

    Events processed since they were parked are skipped, and an event parked more than once
    goes back once. Records that are no event of ours cannot be replayed.
    """
    listed = await list_parked(settings, service)
    known = {p.event_id for p, _ in listed}
    unknown = sorted(set(ids) - known)
    if unknown:
        raise DeadLetterError(f"not parked by {service}: {', '.join(unknown)}")
    chosen: dict[str, Parked] = {}
    for parked, processed in listed:
        event_id = parked.event_id
        if event_id is None or processed or event_id in chosen or (ids and event_id not in ids):
            continue
        chosen[event_id] = parked
    if not chosen:
        return []
    producer = create_producer(settings, service=f"{service}-dead-letters")
    await producer.start()
    try:
        for parked in chosen.values():
            await producer.send_and_wait(
                parked.why["topic"],
                value=parked.record.value,
                key=parked.record.key or None,
                headers=parked.original_headers,
            )
    finally:
        await producer.stop()
    return list(chosen)


def describe(parked: Parked, processed: bool) -> str:
    """One line about a parked record, without its contents (they may be personal)."""
    why = parked.why
    state = "processed since" if processed else "parked"
    if parked.event_id is None:
        state = "not an event: cannot be replayed"
    return (
        f"{parked.event_id or '-'}  {state}  from {why.get('topic')}"
        f"/{why.get('partition')}/{why.get('offset')}"
        f"  after {why.get('attempts')} attempts: {why.get('error')}"
    )


def check_service(service: str) -> None:
    """Refuse a name that is no service of the platform."""
    if service not in SERVICES:
        raise DeadLetterError(f"no such service: {service} (one of {', '.join(SERVICES)})")


async def _read_dead_letters(settings: ServiceSettings, service: str) -> list[Parked]:
    """Every record on the service's dead-letter topic, from the beginning to its end now."""
    topic = settings.topic(dead_letter_topic(service))
    consumer = AIOKafkaConsumer(
        **kafka_client_options(settings),
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records: list[ConsumerRecord] = []
        deadline = time.monotonic() + 60
        while not await _at_end(consumer, ends):
            if time.monotonic() > deadline:
                raise DeadLetterError(f"could not read {topic} to its end")
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
        records.sort(key=lambda r: r.timestamp)
        return [Parked(r) for r in records]
    finally:
        await consumer.stop()


async def _at_end(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True


async def _processed(settings: ServiceSettings, service: str, ids: Iterable[str]) -> set[str]:
    """Which of `ids` the service's inbox records as processed."""
    wanted = sorted(ids)
    if not wanted:
        return set()
    engine = create_engine(
        settings, schema=service.replace("-", "_"), service=f"{service}-dead-letters"
    )
    try:
        async with engine.connect() as conn:
            rows = await conn.scalars(
                sa.select(processed_events.c.event_id).where(
                    processed_events.c.consumer == service,
                    processed_events.c.event_id.in_(wanted),
                )
            )
            return set(rows)
    finally:
        await engine.dispose()
