"""Benchmark of matcher: routed signals/s into household cases, on the realistic generator.

Two scenarios (`--scenario`):
- `municipality`: a month of a 900,000-inhabitant municipality (about 4,000 signals) after
  six months of its history;
- `national`: a month over 340 municipalities (about 100,000 signals, a population of
  1,000,000 persons) after one month of history (more history only makes generation longer).

The generator (`realistic.py`) gives each signal its ground-truth route; the signals routed
to a case (resident, deceased, minor) are published as brp-check would, keyed by household.
The matcher runs as a process on the local infrastructure. The history is fed month by month,
each month's cases closed after it (as followup would), then the measured month, timed from
its first publish to the last offset the matcher's group committed (handled in the database).
Prints signals/s, the matcher's memory over the run, CPU seconds per 1,000 signals of the
matcher and of PostgreSQL, and what the cases look like.
    uv run python bench/matcher.py [--scenario municipality|national] [--signals N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from isolated import Bench, isolated_platform
from realistic import generate
from sqlalchemy.engine import make_url

from vroeg.matcher.rules import ROUTES_WITH_CASE
from vroeg.shared.cloudevents import Message, encode
from vroeg.shared.events import (
    CaseOutcomeRegistered,
    OutcomeCategory,
    OutcomeDetail,
    Route,
    SignalRouted,
)
from vroeg.shared.topics import CASE_OUTCOME_REGISTERED, ROUTE_TOPICS
from vroeg.standins.brp.synthetic import build_population

MONTH = date(2026, 11, 1)
SCENARIOS = {
    # persons, municipalities, signals in the month, months of history
    "municipality": (900_000, "0363", 4_000, 6),
    "national": (1_000_000, "national", 100_000, 1),
}
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Usage:
    """CPU seconds and memory of a set of processes and their children, sampled while the
    benchmark runs."""

    roots: list[int]
    # Found anew at each look by their command line instead (the database's backends).
    command: str | None = None
    rss_mib: list[float] = field(default_factory=list)
    # Each process's CPU seconds when last seen: one that exits keeps counting.
    _cpu: dict[int, float] = field(default_factory=dict)

    @property
    def pids(self) -> list[int]:
        found, todo = [], pids_of(self.command) if self.command else list(self.roots)
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                todo.extend(int(child) for child in task.read_text().split())
        return found

    def cpu_s(self) -> float:
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            self._cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
        return sum(self._cpu.values())

    def sample_rss(self) -> None:
        total = 0
        for pid in self.pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            total += next(  # none for a child that just exited (a zombie)
                (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")),
                0,
            )
        self.rss_mib.append(total / 1024)


def pids_of(command: str) -> list[int]:
    """Processes whose command line contains `command`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if command in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except (FileNotFoundError, PermissionError):
                continue
    return found


def encoded(bench: Bench, events: list[SignalRouted]) -> list[Message]:
    """The routed signals as brp-check sends them (encoded before the clock starts: that is
    brp-check's work, not the matcher's)."""
    return [
        encode(event, topic=bench.topic(ROUTE_TOPICS[event.route].name), source="/bench", trace={})
        for event in events
    ]


async def publish(bench: Bench, messages: list[Message]) -> dict[str, int]:
    """Send the routed signals as brp-check would; how many went to each topic."""
    producer = AIOKafkaProducer(bootstrap_servers=bench.kafka, linger_ms=20)
    await producer.start()
    sent: dict[str, int] = {}
    try:
        for message in messages:
            await producer.send(
                message.topic,
                value=message.value,
                key=message.key,
                headers=list(message.headers),
            )
            sent[message.topic] = sent.get(message.topic, 0) + 1
        await producer.flush()
    finally:
        await producer.stop()
    return sent


async def handled(bench: Bench, expected: dict[str, int], usage: Usage) -> float:
    """When the matcher's group has committed everything published so far."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bench.kafka)
    await admin.start()
    try:
        while True:
            usage.sample_rss()
            offsets = await admin.list_consumer_group_offsets(f"vroeg-{bench.prefix}matcher")
            done = {topic: 0 for topic in expected}
            for tp, meta in offsets.items():
                if tp.topic in done:
                    done[tp.topic] += meta.offset
            if all(done[t] >= n for t, n in expected.items()):
                return time.monotonic()
            await asyncio.sleep(0.05)  # the measured month takes seconds: look often
    finally:
        await admin.close()


async def main(scenario: str, signals: int | None, workers: int) -> None:
    persons, municipalities, count, history = SCENARIOS[scenario]
    started = time.monotonic()
    population = build_population(persons, municipalities=municipalities)
    generated = generate(population, month=MONTH, signals=signals or count, history_months=history)
    routed = [s.routed() for s in generated.signals if Route(s.truth.route) in ROUTES_WITH_CASE]
    earlier = [e for e in routed if e.signal.received_at.date() < MONTH]
    month = [e for e in routed if e.signal.received_at.date() >= MONTH]
    print(
        f"{scenario}: {population.persons:,} persons; {len(generated.signals):,} signals "
        f"generated in {time.monotonic() - started:.0f} s, {len(routed):,} routed to a case "
        f"({len(earlier):,} of {history} months' history, {len(month):,} in the month)"
    )
    async with isolated_platform("matcher", {"VROEG_WORKERS": str(workers)}) as bench:
        bench.platform.start(["matcher"])
        process = bench.platform["matcher"].popen
        assert process is not None
        matcher = Usage([process.pid])
        # The backends serving the benchmark's database (not other work on the server).
        postgres = Usage([], command=f"postgres: {database_name(bench)} ")
        totals: dict[str, int] = {}
        by_month: dict[date, list[SignalRouted]] = {}
        for event in earlier:
            by_month.setdefault(event.signal.received_at.date().replace(day=1), []).append(event)
        history_s = 0.0
        for first_day, events in sorted(by_month.items()):
            history_s += await feed(bench, events, totals, matcher)
            # The month's cases are followed up and closed, so the next month finds
            # recidive (R-MAT-3) as it would in production.
            await close_open_cases(bench, totals, matcher, next_month(first_day))
        if earlier:
            print(
                f"  history: {len(earlier):,} signals handled in {history_s:.1f} s: "
                f"{len(earlier) / history_s:,.0f} signals/s (each month's cases closed after it)"
            )
        cpu = (matcher.cpu_s(), postgres.cpu_s())
        seconds = await feed(bench, month, totals, matcher)
        used = (matcher.cpu_s() - cpu[0], postgres.cpu_s() - cpu[1])
        print(
            f"  month: {len(month):,} signals handled in {seconds:.1f} s: "
            f"{len(month) / seconds:,.0f} signals/s; CPU s per 1,000 signals: "
            f"matcher {used[0] * 1000 / len(month):.2f}, "
            f"PostgreSQL {used[1] * 1000 / len(month):.2f}"
        )
        peak = max(matcher.rss_mib, default=0.0)
        print(
            f"  matcher ({workers} worker{'s' if workers > 1 else ''}) memory (RSS): "
            f"{matcher.rss_mib[0]:.0f} MiB at the start, "
            f"peak {peak:.0f} MiB, {matcher.rss_mib[-1]:.0f} MiB at the end"
        )
        await report_cases(bench)


def next_month(first_day: date) -> date:
    return (first_day.replace(day=28) + timedelta(days=4)).replace(day=1)


async def feed(
    bench: Bench, events: list[SignalRouted], totals: dict[str, int], usage: Usage
) -> float:
    """Publish routed signals and wait until the matcher handled them; the seconds it took."""
    messages = encoded(bench, events)
    first = time.monotonic()
    for topic, n in (await publish(bench, messages)).items():
        totals[topic] = totals.get(topic, 0) + n
    return await handled(bench, totals, usage) - first


async def close_open_cases(
    bench: Bench, totals: dict[str, int], usage: Usage, closed_on: date
) -> None:
    """Close every open case as followup would (NIET_BEREIKT), at the month's end."""
    conn = await asyncpg.connect(
        bench.platform["matcher"].env["DATABASE_URL"].replace("+asyncpg", "")
    )
    try:
        rows = await conn.fetch(
            "SELECT id, municipality, state->'signals' AS signals FROM matcher.cases "
            "WHERE accepting"
        )
    finally:
        await conn.close()
    closed_at = datetime.combine(closed_on, datetime.min.time(), tzinfo=UTC)
    events = [
        CaseOutcomeRegistered(
            municipality=row["municipality"],
            occurred_at=closed_at,
            case_id=row["id"],
            signal_ids=tuple(UUID(s["signal_id"]) for s in json.loads(row["signals"])),
            category=OutcomeCategory.NIET_BEREIKT,
            detail=OutcomeDetail.GEEN_CONTACT,
            closed_at=closed_at,
        )
        for row in rows
    ]
    topic = bench.topic(CASE_OUTCOME_REGISTERED.name)
    producer = AIOKafkaProducer(bootstrap_servers=bench.kafka, linger_ms=20)
    await producer.start()
    try:
        for event in events:
            message = encode(event, topic=topic, source="/bench", trace={})
            await producer.send(
                topic, value=message.value, key=message.key, headers=list(message.headers)
            )
        await producer.flush()
    finally:
        await producer.stop()
    totals[topic] = totals.get(topic, 0) + len(events)
    await handled(bench, totals, usage)


def database_name(bench: Bench) -> str:
    """`user database` as PostgreSQL shows it in its backends' command lines."""
    url = make_url(database_url(bench))
    return f"{url.username} {url.database}"


def database_url(bench: Bench) -> str:
    return bench.platform["matcher"].env["DATABASE_URL"].replace("+asyncpg", "")


async def report_cases(bench: Bench) -> None:
    """What the signals became: cases, their size, recidive and repeats."""
    conn = await asyncpg.connect(database_url(bench))
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS cases, "
            "avg(jsonb_array_length(state->'signals')) AS size, "
            "avg((state->>'recidive')::boolean::int) AS recidive, "
            "avg((state->>'crisis')::boolean::int) AS crisis, "
            "(SELECT count(*) FROM matcher.case_signals s WHERE s.repeat_announced) AS repeats "
            "FROM matcher.cases"
        )
    finally:
        await conn.close()
    print(
        f"  {row['cases']:,} cases, {row['size']:.2f} signals per case, "
        f"{row['recidive']:.1%} recidive, {row['crisis']:.1%} crisis, {row['repeats']:,} repeats"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="municipality")
    parser.add_argument("--signals", type=int, default=None, help="in the measured month")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="matcher worker processes (default: one per core)",
    )
    args = parser.parse_args()
    asyncio.run(main(args.scenario, args.signals, args.workers))
