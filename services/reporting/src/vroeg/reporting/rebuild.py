"""`vroeg reporting rebuild`: every figure again from the fact topics, from their beginning.

In one transaction: reporting's fact tables are emptied, every record of every topic it reads
(lean facts only, kept for good: `Topic.fact`) up to each partition's end at the start is
kept again through the consumer's own `ingest`, then it commits. Since a fact's row does not
depend on the order or number of deliveries, the figures come out as the consumer made them;
the running service's consumer waits for the commit and goes on after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from vroeg.reporting import repository
from vroeg.reporting.consumer import ingest
from vroeg.reporting.settings import Settings
from vroeg.shared.cloudevents import UndecodableMessage, decode
from vroeg.shared.db import create_engine, create_sessionmaker
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.topics import consumed_by


@dataclass(frozen=True)
class Rebuilt:
    """How many facts the rebuild kept, per topic, and how many records it could not read
    (the consumer parked those on its dead-letter topic too)."""

    facts: dict[str, int]
    unreadable: int


async def rebuild(settings: Settings) -> Rebuilt:
    """Empty reporting's tables and keep every fact again, in one transaction."""
    topics = [settings.topic(t.name) for t in consumed_by("reporting")]
    engine = create_engine(settings, schema="reporting", service="reporting-rebuild")
    counted = dict.fromkeys(topics, 0)
    unreadable = 0
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await repository.clear(session)
            consumer = AIOKafkaConsumer(
                **kafka_client_options(settings),
                group_id=None,
                enable_auto_commit=False,
                isolation_level="read_committed",
            )
            await consumer.start()
            try:
                partitions = await _partitions(consumer, topics)
                if partitions:
                    consumer.assign(partitions)
                    await consumer.seek_to_beginning(*partitions)
                    ends = await consumer.end_offsets(partitions)
                    while not await _at_end(consumer, ends):
                        for tp, records in (await consumer.getmany(timeout_ms=500)).items():
                            for record in records:
                                if record.offset >= ends[tp]:
                                    continue
                                try:
                                    event = decode(record.headers, record.value)
                                except UndecodableMessage:
                                    unreadable += 1
                                    continue
                                await ingest(session, [event])
                                counted[tp.topic] += 1
            finally:
                await consumer.stop()
    finally:
        await engine.dispose()
    return Rebuilt(
        {t.removeprefix(settings.topic_prefix): n for t, n in counted.items()}, unreadable
    )


async def _partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    await consumer._client.force_metadata_update()
    return [
        TopicPartition(topic, p)
        for topic in topics
        for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]


async def _at_end(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True
