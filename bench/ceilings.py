"""What this machine can do at most, to read a benchmark's throughput against: the raw aiokafka
produce→consume rate and the PostgreSQL small-transaction commit rate.

- Kafka: `messages` records of `size` bytes, keyed (as the platform's events are), sent by one
  producer to a fresh topic of `partitions` partitions, from the first send to the last record a
  consumer (no group) read back; the topic is deleted afterwards.
- PostgreSQL: `connections` asyncpg connections, each committing single-row INSERT
  transactions into a scratch table for `seconds`; commits/s over all of them (the table is
  dropped afterwards).
"""

from __future__ import annotations

import asyncio
import time
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic


async def kafka_ceiling(
    bootstrap: str, topic: str, *, messages: int, size: int, partitions: int = 3
) -> float:
    """Records/s from the first send to the last record read back."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1)])
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
        await consumer.start()
        try:
            while not consumer.partitions_for_topic(topic):  # the new topic's metadata
                await consumer._client.force_metadata_update()
                await asyncio.sleep(0.2)
            tps = [TopicPartition(topic, p) for p in range(partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            seconds = await _round_trip(bootstrap, consumer, topic, messages, size)
        finally:
            await consumer.stop()
        await admin.delete_topics([topic])
    finally:
        await admin.close()
    return messages / seconds


async def _round_trip(
    bootstrap: str, consumer: AIOKafkaConsumer, topic: str, messages: int, size: int
) -> float:
    async def read() -> float:
        seen, last = 0, time.monotonic()
        while seen < messages:
            for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                seen += len(records)
                last = time.monotonic()
        return last

    reader = asyncio.create_task(read())
    payload = b"x" * size
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    first = time.monotonic()
    try:
        for _ in range(messages):
            await producer.send(topic, value=payload, key=uuid4().bytes)
        await producer.flush()
    finally:
        await producer.stop()
    return await reader - first


async def postgres_ceiling(database_url: str, *, connections: int = 4, seconds: float = 5) -> float:
    """Single-row INSERT transactions committed per second over `connections` connections."""
    url = database_url.replace("+asyncpg", "")
    table = f"bench_commits_{uuid4().hex[:8]}"
    setup = await asyncpg.connect(url)
    try:
        await setup.execute(f"CREATE TABLE {table} (id uuid PRIMARY KEY, at timestamptz)")
        pool = [await asyncpg.connect(url) for _ in range(connections)]
        counts = [0] * connections
        until = time.monotonic() + seconds

        async def commit(index: int) -> None:
            conn = pool[index]
            while time.monotonic() < until:
                async with conn.transaction():
                    await conn.execute(f"INSERT INTO {table} VALUES ($1, now())", uuid4())
                counts[index] += 1

        started = time.monotonic()
        await asyncio.gather(*(commit(i) for i in range(connections)))
        elapsed = time.monotonic() - started
        for conn in pool:
            await conn.close()
        await setup.execute(f"DROP TABLE {table}")
    finally:
        await setup.close()
    return sum(counts) / elapsed
