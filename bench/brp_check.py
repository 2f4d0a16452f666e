"""Benchmark of brp-check: routed signals/s against the BRP stand-in holding 1,000,000 persons.

Starts the stand-in (synthetic population) and brp-check as processes on the local
infrastructure, publishes SignalReceived for persons drawn from that population, as intake
would, and measures from the first publish to the last routed event. Prints figures only.
    uv run python bench/brp_check.py [--persons N] [--signals S]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import time
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from isolated import Bench, isolated_platform

from vroeg.shared.cloudevents import decode, encode
from vroeg.shared.events import (
    Address,
    ArrearsType,
    Person,
    SignalData,
    SignalKind,
    SignalReceived,
    SignalRouted,
    VlpType,
)
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.settings import KafkaConnection
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED
from vroeg.standins.brp.synthetic import synthetic_population

SIGNAL_DATE = date(2026, 11, 27)


def signal_for(person: dict[str, Any], n: int) -> SignalReceived:
    naam = person["naam"]
    address = person.get("verblijfplaats", {}).get("verblijfadres", {})
    signal = SignalData(
        signal_id=uuid4(),
        vlp_id="bench",
        vlp_type=VlpType.HUUR,
        vlp_reference=f"b-{n}",
        kind=SignalKind.VROEGSIGNAAL,
        arrears_type=ArrearsType.HUUR,
        signal_date=SIGNAL_DATE,
        debtor=Person(
            voorvoegsel=naam.get("voorvoegsel"),
            geslachtsnaam=naam["geslachtsnaam"],
            geboortedatum=date.fromisoformat(person["geboorte"]["datum"]["datum"]),
        ),
        address=Address(
            postcode=address.get("postcode", "2500AA"), huisnummer=address.get("huisnummer", 1)
        ),
        amount=Decimal("500.00"),
        oldest_due_date=date(2026, 9, 1),
        received_at=datetime.now(UTC),
    )
    return SignalReceived(municipality="0518", occurred_at=datetime.now(UTC), signal=signal)


async def main(persons: int, signals: int) -> None:
    async with isolated_platform("brp", {"VROEG_BRP_SYNTHETIC": str(persons)}) as bench:
        started = time.monotonic()
        bench.platform.start(["brp-standin"], timeout=900)
        print(f"stand-in with {persons:,} persons ready after {time.monotonic() - started:.1f} s")
        bench.platform.start(["brp-check"])
        await route(bench, persons, signals)


async def route(bench: Bench, persons: int, signals: int) -> None:
    """Publish signals for persons of the population; time until all are routed."""
    rng = random.Random(2)
    population = list(synthetic_population(persons))
    sample = [population[rng.randrange(persons)] for _ in range(signals)]
    del population
    events = [signal_for(p, n) for n, p in enumerate(sample)]
    bootstrap = bench.kafka
    kafka = kafka_client_options(KafkaConnection(KAFKA_BOOTSTRAP_SERVERS=bootstrap))
    consumer = AIOKafkaConsumer(**kafka, group_id=None)
    await consumer.start()
    await consumer._client.force_metadata_update()
    route_topics = [bench.topic(t.name) for t in ROUTE_TOPICS.values()]
    tps = [
        TopicPartition(t, p) for t in route_topics for p in consumer.partitions_for_topic(t) or ()
    ]
    consumer.assign(tps)
    await consumer.seek_to_beginning(*tps)

    producer = AIOKafkaProducer(**kafka, linger_ms=5)
    await producer.start()
    topic = bench.topic(SIGNAL_RECEIVED.name)
    first = time.monotonic()
    for event in events:
        message = encode(event, topic=topic, source="/bench", trace={})
        await producer.send(
            topic, value=message.value, key=message.key, headers=list(message.headers)
        )
    await producer.flush()
    await producer.stop()

    routes: Counter[str] = Counter()
    last = first
    while sum(routes.values()) < signals:
        for records in (await consumer.getmany(timeout_ms=1000)).values():
            for record in records:
                routed = decode(record.headers, record.value)
                assert isinstance(routed, SignalRouted)
                routes[routed.route.value] += 1
                last = time.monotonic()
    await consumer.stop()
    elapsed = last - first
    print(f"routed {signals:,} signals in {elapsed:.1f} s: {signals / elapsed:,.0f} signals/s")
    print(f"  routes: {dict(routes.most_common())}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"  bench process peak RSS {peak_mb} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--signals", type=int, default=5_000)
    args = parser.parse_args()
    asyncio.run(main(args.persons, args.signals))
