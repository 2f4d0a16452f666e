"""Benchmark of brp-check: routed signals/s against the BRP stand-in holding 1,000,000 persons.

Starts the stand-in (the realistic synthetic population: 340 municipalities by default) and
brp-check as processes on the local infrastructure, imports each municipality's debt-help
register, publishes SignalReceived for a month of realistic signals (bench/realistic.py) as
intake would, and measures from the first publish to the last routed event. Prints the
throughput, the route mix, the review share and how many routes equal the ground truth.
    uv run python bench/brp_check.py [--persons N] [--signals S] [--municipalities SPEC]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import time
from collections import Counter
from datetime import date
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from isolated import Bench, isolated_platform
from realistic import Generated, GeneratedSignal, generate

from vroeg.shared.cloudevents import decode, encode
from vroeg.shared.events import Route, SignalRouted
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.settings import KafkaConnection
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED
from vroeg.standins.brp.synthetic import build_population

MONTH = date(2026, 10, 1)


async def main(persons: int, signals: int, municipalities: str, seed: int) -> None:
    started = time.monotonic()
    population = build_population(persons, seed=seed, municipalities=municipalities)
    generated = generate(population, month=MONTH, signals=signals, history_months=0, seed=seed)
    print(
        f"generated {len(generated.signals):,} signals for {population.persons:,} persons in "
        f"{len(population.municipalities)} municipalities in {time.monotonic() - started:.1f} s"
    )
    keys = {code: f"bench-{code}" for code in generated.debt_help}
    async with isolated_platform("brp", standin_env(persons, seed, municipalities, keys)) as bench:
        started = time.monotonic()
        bench.platform.start(["brp-standin"], timeout=900)
        print(
            f"stand-in with {persons:,} persons ready after {time.monotonic() - started:.1f} s, "
            f"holding {peak_rss_mb(bench, 'brp-standin')} MB"
        )
        bench.platform.start(["brp-check"])
        await import_debt_help(bench, generated, keys)
        await route(bench, generated.signals)


def standin_env(
    persons: int, seed: int, municipalities: str, keys: dict[str, str]
) -> dict[str, str]:
    """The BRP stand-in's synthetic population (the generator's: same size, seed and
    municipalities), and brp-check's import key of each municipality's debt-help register."""
    return {
        "VROEG_BRP_SYNTHETIC": str(persons),
        "VROEG_BRP_SYNTHETIC_SEED": str(seed),
        "VROEG_BRP_SYNTHETIC_MUNICIPALITIES": municipalities,
        "VROEG_DEBT_HELP_IMPORT_KEYS": json.dumps(
            {code: hashlib.sha256(key.encode()).hexdigest() for code, key in keys.items()}
        ),
    }


def peak_rss_mb(bench: Bench, name: str) -> int:
    """A platform process's peak resident memory (Linux `VmHWM`), in MB."""
    popen = bench.platform[name].popen
    status = Path(f"/proc/{popen.pid if popen else 0}/status")
    for line in status.read_text().splitlines() if status.exists() else ():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return 0


async def import_debt_help(bench: Bench, generated: Generated, keys: dict[str, str]) -> None:
    """Each municipality's debt-help register, with its own import key (R-BRP-4)."""
    async with httpx.AsyncClient(base_url=bench.platform["brp-check"].url, timeout=60) as http:
        for code, records in generated.debt_help.items():
            response = await http.put(
                f"/v1/schuldhulp/{code}/registraties",
                json={"registraties": records},
                headers={"X-Api-Key": keys[code]},
            )
            response.raise_for_status()


async def route(bench: Bench, signals: list[GeneratedSignal]) -> None:
    """Publish the signals; time until all are routed; compare routes with the ground truth."""
    by_id: dict[UUID, GeneratedSignal] = {}
    events = []
    for s in signals:
        signal_id = uuid4()
        by_id[signal_id] = s
        events.append(s.received(signal_id))
    kafka = kafka_client_options(KafkaConnection(KAFKA_BOOTSTRAP_SERVERS=bench.kafka))
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
    agree = 0
    last = first
    while sum(routes.values()) < len(events):
        for records in (await consumer.getmany(timeout_ms=1000)).values():
            for record in records:
                routed = decode(record.headers, record.value)
                assert isinstance(routed, SignalRouted)
                routes[routed.route.value] += 1
                agree += routed.route.value == by_id[routed.signal.signal_id].truth.route
                last = time.monotonic()
    await consumer.stop()
    elapsed = last - first
    count = len(events)
    print(f"routed {count:,} signals in {elapsed:.1f} s: {count / elapsed:,.0f} signals/s")
    print(f"  routes: {dict(routes.most_common())}")
    print(f"  review share {routes[Route.REVIEW.value] / count:.1%}")
    print(f"  route equal to the ground truth: {agree:,} of {count:,}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"  bench process peak RSS {peak_mb} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--signals", type=int, default=5_000)
    parser.add_argument("--municipalities", default="national")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.persons, args.signals, args.municipalities, args.seed))
