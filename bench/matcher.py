"""Benchmark of matcher: routed signals/s, each opening a household case.

Starts matcher as a process on the local infrastructure, publishes SignalRouted events (as
brp-check would) for distinct households, and measures from the first publish to the last
offset the matcher committed (handled) and to the last CaseOpened on its topic (announced by
its outbox relay). Prints figures only.
    uv run python bench/matcher.py [--signals N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from isolated import Bench, isolated_platform

from vroeg.shared.cloudevents import encode
from vroeg.shared.events import (
    Address,
    ArrearsType,
    Household,
    Person,
    Route,
    SignalData,
    SignalKind,
    SignalRouted,
    VlpType,
)
from vroeg.shared.topics import CASE_OPENED, ROUTE_TOPICS


def routed(n: int) -> SignalRouted:
    signal = SignalData(
        signal_id=uuid4(),
        vlp_id="bench",
        vlp_type=VlpType.HUUR,
        vlp_reference=f"b-{n}",
        kind=SignalKind.VROEGSIGNAAL,
        arrears_type=ArrearsType.HUUR,
        signal_date=date(2026, 11, 27),
        debtor=Person(geslachtsnaam="Jansen", geboortedatum=date(1980, 5, 1)),
        address=Address(postcode="1012AB", huisnummer=1 + n),
        amount=Decimal("412.00"),
        oldest_due_date=date(2026, 9, 1),
        received_at=datetime.now(UTC),
    )
    return SignalRouted(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        route=Route.RESIDENT,
        reasons=("bench",),
        signal=signal,
        household=Household(address_key=f"{n:016d}", size=1, minors_present=False),
    )


async def main(signals: int) -> None:
    async with isolated_platform("matcher", {}) as bench:
        bench.platform.start(["matcher"])
        await measure(bench, signals)


async def measure(bench: Bench, signals: int) -> None:
    """Publish `signals` routed signals at once; time until every case is announced."""
    events = [routed(n) for n in range(signals)]
    consumer = AIOKafkaConsumer(bootstrap_servers=bench.kafka, group_id=None)
    await consumer.start()
    await consumer._client.force_metadata_update()
    topic = bench.topic(CASE_OPENED.name)
    tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)

    producer = AIOKafkaProducer(bootstrap_servers=bench.kafka, linger_ms=5)
    await producer.start()
    routed_topic = bench.topic(ROUTE_TOPICS[Route.RESIDENT].name)
    first = time.monotonic()
    for event in events:
        message = encode(event, topic=routed_topic, source="/bench", trace={})
        await producer.send(
            routed_topic, value=message.value, key=message.key, headers=list(message.headers)
        )
    await producer.flush()
    published = time.monotonic()
    await producer.stop()

    handled = asyncio.create_task(committed_all(bench, routed_topic, signals))
    opened = 0
    last = first
    while opened < signals:
        for records in (await consumer.getmany(timeout_ms=1000)).values():
            opened += len(records)
            last = time.monotonic()
    await consumer.stop()
    consumed = await handled - first
    elapsed = last - first
    print(f"published {signals:,} routed signals in {published - first:.1f} s")
    print(f"matcher handled them in {consumed:.1f} s: {signals / consumed:,.0f} signals/s")
    print(f"  and announced {opened:,} cases in {elapsed:.1f} s: {signals / elapsed:,.0f} /s")


async def committed_all(bench: Bench, topic: str, signals: int) -> float:
    """When the matcher's group has committed every routed signal (each handled in the DB)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bench.kafka)
    await admin.start()
    try:
        while True:
            offsets = await admin.list_consumer_group_offsets(f"vroeg-{bench.prefix}matcher")
            if sum(m.offset for tp, m in offsets.items() if tp.topic == topic) >= signals:
                return time.monotonic()
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=20_000)
    args = parser.parse_args()
    asyncio.run(main(args.signals))
