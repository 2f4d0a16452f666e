"""Benchmark of the whole platform: a national month through all six services.

Generates a month of realistic signals (`realistic.py`: 100,000 over 340 municipalities by
default) for the BRP stand-in's synthetic population (1,000,000 persons), starts the six
services and the stand-ins as processes on the local infrastructure in a namespace of their
own, imports the debt-help registers, registers the creditors, then has `--clients` concurrent
creditors' clients POST the signals to intake in batches (`POST /v1/signalen/batches`, each
creditor's signals in receipt order). Measured from the first POST to the moment reporting has
counted every signal (a signal fact per signal delivered, a route fact per signal taken up) and
every service's consumer group has committed up to the end of every topic it reads.

Prints end-to-end signals/s; each service's consumer-group lag sampled every `--sample`
seconds; each service's CPU seconds per 1,000 signals and memory; BRP queries per signal (the
stand-in's count); and, in the same run after the services stopped, the raw aiokafka
produce→consume rate and the PostgreSQL commit rate of this machine (`ceilings.py`), with the
end-to-end throughput as a share of each.
    uv run python bench/national_month.py [--signals N] [--persons N] [--municipalities SPEC]
        [--seed N] [--clients C] [--batch B] [--sample S] [--partitions P]
        [--workers SERVICE=N ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from brp_check import import_debt_help, peak_rss_mb, standin_env
from ceilings import kafka_ceiling, postgres_ceiling
from isolated import Bench, isolated_platform
from matcher import Usage, pids_of
from realistic import Generated, GeneratedSignal, generate

from vroeg.deploy.processes import BRP_STANDIN, IDP_STANDIN, NOTIFY_STANDIN
from vroeg.deploy.provisioning import register_creditor
from vroeg.shared.cloudevents import encode
from vroeg.shared.topics import SERVICES, TOPICS
from vroeg.standins.brp.synthetic import build_population

STANDINS = [BRP_STANDIN, IDP_STANDIN, NOTIFY_STANDIN]


@dataclass
class Delivery:
    """What intake answered: signals taken up, refused (feedback NIET_OPGEPAKT), invalid."""

    ontvangen: int = 0
    niet_opgepakt: int = 0
    ongeldig: int = 0
    last_answer: float = 0.0


@dataclass
class Run:
    """The lag table and the usage of each process while the month goes through."""

    bench: Bench
    usage: dict[str, Usage]
    rows: list[tuple[float, int, dict[str, int]]] = field(default_factory=list)
    posted: int = 0


def last_month() -> date:
    today = datetime.now(UTC).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def batches(signals: list[GeneratedSignal], size: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each creditor's signals in receipt order, in batches of `size`; the batches in the order
    their first signal was received, so the creditors deliver side by side."""
    by_creditor: dict[str, list[GeneratedSignal]] = defaultdict(list)
    for s in signals:
        by_creditor[s.creditor.id].append(s)
    found = [
        (mine[i].received_at, creditor, [s.body for s in mine[i : i + size]])
        for creditor, mine in by_creditor.items()
        for i in range(0, len(mine), size)
    ]
    return [(creditor, bodies) for _, creditor, bodies in sorted(found, key=lambda f: f[0])]


async def register_creditors(url: str, generated: Generated, parallel: int = 8) -> dict[str, str]:
    """Every creditor of the month, with an agreement for each municipality it delivers to;
    the API key of each."""
    towns: dict[str, set[str]] = defaultdict(set)
    types = {}
    for s in generated.signals:
        towns[s.creditor.id].add(s.municipality)
        types[s.creditor.id] = s.creditor.type.value
    gate = asyncio.Semaphore(parallel)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:

        async def one(creditor: str) -> tuple[str, str]:
            async with gate:
                key = await register_creditor(
                    http, creditor, types[creditor], municipalities=tuple(sorted(towns[creditor]))
                )
            return creditor, key

        return dict(await asyncio.gather(*(one(c) for c in towns)))


async def deliver(
    url: str, keys: dict[str, str], work: list[tuple[str, list[dict[str, Any]]]], run: Run, n: int
) -> Delivery:
    """`n` clients POST the batches, each taking the next one when its last was answered."""
    queue = list(reversed(work))
    done = Delivery()

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=600) as http:
            while queue:
                creditor, bodies = queue.pop()
                response = await http.post(
                    "/v1/signalen/batches",
                    json={"signalen": bodies},
                    headers={"X-Api-Key": keys[creditor]},
                )
                assert response.status_code == 201, response.text[:500]
                out = response.json()
                done.ontvangen += out["ontvangen"]
                done.niet_opgepakt += out["nietOpgepakt"]
                done.ongeldig += out["ongeldig"]
                run.posted += len(bodies)
        done.last_answer = time.monotonic()

    await asyncio.gather(*(client() for _ in range(n)))
    return done


class Lag:
    """Each service's consumer-group lag: records on the topics it reads that its group has
    not committed yet (the broker's end offsets less the group's committed offsets)."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.reads = {
            service: [bench.topic(t.name) for t in TOPICS if service in t.consumers]
            for service in SERVICES
        }
        self.admin = AIOKafkaAdminClient(bootstrap_servers=bench.kafka)
        self.ends = AIOKafkaConsumer(bootstrap_servers=bench.kafka, group_id=None)
        self.partitions: list[TopicPartition] = []

    async def __aenter__(self) -> Lag:
        await self.admin.start()
        await self.ends.start()
        await self.ends._client.force_metadata_update()
        read = {topic for topics in self.reads.values() for topic in topics}
        self.partitions = [
            TopicPartition(t, p)
            for t in sorted(read)
            for p in self.ends.partitions_for_topic(t) or ()
        ]
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.ends.stop()
        await self.admin.close()

    async def sample(self) -> dict[str, int]:
        ends = await self.ends.end_offsets(self.partitions)
        lags = {}
        for service, topics in self.reads.items():
            committed = await self.admin.list_consumer_group_offsets(
                f"vroeg-{self.bench.prefix}{service}"
            )
            lags[service] = sum(
                ends[tp] - max(0, committed[tp].offset if tp in committed else 0)
                for tp in self.partitions
                if tp.topic in topics
            )
        return lags


async def reporting_counts(conn: asyncpg.Connection) -> tuple[int, int]:
    """Signal facts and route facts reporting has counted."""
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM reporting.signal_facts) AS signals, "
        "(SELECT count(*) FROM reporting.route_facts) AS routes"
    )
    return int(row["signals"]), int(row["routes"])


async def counted(
    run: Run, delivering: asyncio.Task[Delivery], first: float, sample_s: float
) -> float:
    """The moment everything delivered is counted; samples the lag table meanwhile."""
    bench = run.bench
    conn = await asyncpg.connect(
        bench.platform["reporting"].env["DATABASE_URL"].replace("+asyncpg", "")
    )
    next_row = first
    try:
        async with Lag(bench) as lag:
            while True:
                now = time.monotonic()
                lags = await lag.sample()
                if now >= next_row:
                    run.rows.append((now - first, run.posted, lags))
                    for usage in run.usage.values():
                        usage.sample_rss()
                        usage.cpu_s()  # a process that exits keeps what it used
                    next_row += sample_s
                # Counted only once no group lags: reporting's `count(*)`s read its whole
                # tables, and polled all along they were PostgreSQL work the month did not do.
                if delivering.done() and not any(lags.values()):
                    delivered = delivering.result()
                    signals, routes = await reporting_counts(conn)
                    if (
                        signals >= delivered.ontvangen + delivered.niet_opgepakt
                        and routes >= delivered.ontvangen
                    ):
                        run.rows.append((now - first, run.posted, lags))
                        return now
                await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def brp_queries(bench: Bench) -> int:
    async with httpx.AsyncClient(base_url=bench.platform[BRP_STANDIN].url) as http:
        health = (await http.get("/health")).json()
    return sum(health["queries"].values())


def print_lag(run: Run) -> None:
    every = max(1, len(run.rows) // 40)
    shown = run.rows[::every] + ([run.rows[-1]] if (len(run.rows) - 1) % every else [])
    print("  lag (records not yet committed) per consumer group, by seconds since the first POST:")
    print(f"  {'s':>6} {'posted':>8} " + " ".join(f"{s:>10}" for s in SERVICES))
    for at, posted, lags in shown:
        # An end offset read just before a commit can make a group look one ahead: 0.
        print(f"  {at:6.0f} {posted:8,} " + " ".join(f"{max(0, lags[s]):10,}" for s in SERVICES))


def print_usage(run: Run, cpu: dict[str, float], signals: int) -> None:
    print(
        "  CPU s per 1,000 signals and memory (RSS MiB at the first POST / at the end / peak; "
        "PostgreSQL: the sum over our backends, shared buffers counted in each):"
    )
    for name, usage in run.usage.items():
        rss = usage.rss_mib
        peak = (
            f"{peak_rss_mb(run.bench, name):,}"
            if name in run.bench.platform.processes
            else f"{max(rss, default=0):,.0f}"
        )
        print(
            f"  {name:>16} {cpu[name] * 1000 / signals:7.2f} CPU s   "
            f"{rss[0] if rss else 0:7,.0f} / {rss[-1] if rss else 0:7,.0f} / {peak:>7} MiB"
        )


def message_size(generated: Generated) -> int:
    """The mean size of a SignalReceived as intake publishes it."""
    sample = generated.signals[:500]
    sizes = [len(encode(s.received(), topic="t", source="/b", trace={}).value) for s in sample]
    return sum(sizes) // len(sizes)


async def main(args: argparse.Namespace) -> None:
    started = time.monotonic()
    population = build_population(args.persons, seed=args.seed, municipalities=args.municipalities)
    generated = generate(
        population, month=last_month(), signals=args.signals, history_months=0, seed=args.seed
    )
    towns = tuple(t.code for t in population.municipalities)
    print(
        f"generated {len(generated.signals):,} signals for {population.persons:,} persons in "
        f"{len(towns)} municipalities in {time.monotonic() - started:.0f} s"
    )
    keys = {code: f"bench-{code}" for code in generated.debt_help}
    env = standin_env(args.persons, args.seed, args.municipalities, keys)
    if args.partitions:  # the services create their topics with this many partitions
        env["VROEG_TOPIC_PARTITIONS"] = str(args.partitions)
    async with isolated_platform("national", env, served=towns) as bench:
        started = time.monotonic()
        bench.platform.start(STANDINS, timeout=900)
        for name, workers in args.workers:
            bench.platform[name].env["VROEG_WORKERS"] = str(workers)
        bench.platform.start(SERVICES, timeout=300)
        print(f"platform ready after {time.monotonic() - started:.0f} s")
        await import_debt_help(bench, generated, keys)
        creditor_keys = await register_creditors(bench.platform["intake"].url, generated)
        work = batches(generated.signals, args.batch)
        print(
            f"{len(creditor_keys)} creditors registered; {len(work):,} batches of up to "
            f"{args.batch:,}, {args.clients} clients; load average {load()} at the start"
        )
        await asyncio.sleep(3)  # the services' consumers learn the creditors and tenants
        database = bench.platform["intake"].env["DATABASE_URL"].rsplit("/", 1)[1]
        usage = {name: Usage([pid(bench, name)]) for name in (*SERVICES, BRP_STANDIN)}
        # Found anew at each look: a pool opens backends during the run.
        usage["postgresql (ours)"] = Usage([], command=f" {database} ")
        usage["kafka broker"] = Usage(pids_of("kafka.Kafka"))
        run = Run(bench, usage)
        cpu0 = {name: u.cpu_s() for name, u in usage.items()}
        queries0 = await brp_queries(bench)
        first = time.monotonic()
        delivering = asyncio.create_task(
            deliver(bench.platform["intake"].url, creditor_keys, work, run, args.clients)
        )
        end = await counted(run, delivering, first, args.sample)
        cpu = {name: u.cpu_s() - cpu0[name] for name, u in usage.items()}
        delivered = delivering.result()
        queries = await brp_queries(bench) - queries0
        total = delivered.ontvangen + delivered.niet_opgepakt + delivered.ongeldig
        rate = total / (end - first)
        print(
            f"{total:,} signals ({delivered.ontvangen:,} taken up, {delivered.niet_opgepakt:,} "
            f"refused, {delivered.ongeldig:,} invalid): all answered after "
            f"{delivered.last_answer - first:.1f} s, all counted by reporting after "
            f"{end - first:.1f} s: {rate:,.1f} signals/s end to end; load average {load()}"
        )
        print(f"  BRP queries per signal taken up: {queries / max(1, delivered.ontvangen):.2f}")
        print_lag(run)
        print_usage(run, cpu, total)
        bench.platform.stop()
        size = message_size(generated)
        messages = max(20_000, args.signals)
        kafka = await kafka_ceiling(
            bench.kafka, bench.topic("ceiling"), messages=messages, size=size
        )
        commits = await postgres_ceiling(bench.platform["intake"].env["DATABASE_URL"])
        print(
            f"ceilings of this machine (same run, services stopped; load average {load()}): "
            f"aiokafka produce→consume {kafka:,.0f} messages/s ({messages:,} of {size:,} bytes), "
            f"PostgreSQL {commits:,.0f} commits/s (single-row transactions, 4 connections)"
        )
        print(
            f"  end to end is {rate / kafka:.2%} of the Kafka ceiling and "
            f"{rate / commits:.2%} of the PostgreSQL commit ceiling"
        )


def pid(bench: Bench, name: str) -> int:
    popen = bench.platform[name].popen
    assert popen is not None
    return popen.pid


def service_workers(value: str) -> tuple[str, int]:
    """`--workers SERVICE=N`."""
    name, _, workers = value.partition("=")
    if name not in SERVICES or not workers.isdigit() or int(workers) < 1:
        raise argparse.ArgumentTypeError(f"expected SERVICE=N with a service of {SERVICES}")
    return name, int(workers)


def load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--municipalities", default="national")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clients", type=int, default=4, help="concurrent creditor clients")
    parser.add_argument("--batch", type=int, default=500, help="signals per POST")
    parser.add_argument("--sample", type=float, default=5, help="seconds between lag samples")
    parser.add_argument(
        "--workers",
        type=service_workers,
        action="append",
        default=[],
        metavar="SERVICE=N",
        help="worker processes of a service (VROEG_WORKERS), e.g. brp-check=2; repeatable",
    )
    parser.add_argument(
        "--partitions", type=int, default=0, help="partitions per topic (default: the platform's)"
    )
    asyncio.run(main(parser.parse_args()))
