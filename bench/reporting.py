"""Benchmark of reporting: how fast it keeps lean facts, and how long a municipality's figures
take with a national year of facts in its tables.

1. Ingest: a generated month (bench/realistic.py, national) as the lean facts the services
   publish — a SignalFact and a RouteFact per signal, a CaseOpened per case of the ground
   truth — go to a running reporting; timed from the first publish to the last offset its
   group committed: facts kept per second.
2. Query: a national year of facts (about 860,000 signals over 340 municipalities in
   proportion to their inhabitants, their routes, 600,000 cases, a million attempts, outcomes
   and deadlines) is bulk-loaded into reporting's tables; then every indicator of the
   catalogue is computed (`monitor.compute`, what the API runs) for one municipality for a
   year, a quarter and a month, and for a region of five: seconds each (target under 1 s).
   First counted from the facts (the load left every month stale, as a month is until the
   rollup keeps it anew), then the rollup's refresh of every month (what its job does), once
   more with every month stale again (its figures replaced), then again, from the rollup.
    uv run python bench/reporting.py [--persons N] [--signals N] [--year-signals N]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from ground_truth import case_truths
from isolated import Bench, isolated_platform
from realistic import GeneratedSignal, generate
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vroeg.matcher.rules import MatchedSignal, PriorityPolicy, case_state
from vroeg.reporting import monitor, rollup
from vroeg.reporting.indicators import CATALOGUE
from vroeg.reporting.settings import Settings
from vroeg.shared.cloudevents import encode
from vroeg.shared.db import create_engine, create_sessionmaker
from vroeg.shared.events import (
    AgeBand,
    ArrearsType,
    CaseOpened,
    CaseStatus,
    Event,
    Route,
    RouteFact,
    SignalFact,
    SignalKind,
)
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.topics import topic_for
from vroeg.standins.brp.municipalities import parse
from vroeg.standins.brp.synthetic import build_population

MONTH = date(2026, 10, 1)


def month_of_facts(signals: list[GeneratedSignal]) -> list[Event]:
    """The lean facts intake, brp-check and the matcher publish for a generated month."""
    facts: list[Event] = []
    ids: dict[str, UUID] = {}
    for s in signals:
        t = s.truth
        ids[t.reference] = signal_id = uuid4()
        facts.append(
            SignalFact(
                municipality=s.municipality,
                occurred_at=s.received_at,
                signal_id=signal_id,
                vlp_id=s.creditor.id,
                vlp_type=s.creditor.type,
                kind=SignalKind(t.kind),
                arrears_type=ArrearsType(t.arrears_type),
                amount=Decimal(t.amount),
                postcode_area=t.pc4,
                age_band=AgeBand(t.age_band),
                phone_present=t.phone,
                email_present=t.email,
                received_at=s.received_at,
            )
        )
        facts.append(
            RouteFact(
                municipality=s.municipality,
                occurred_at=s.received_at,
                signal_id=signal_id,
                route=Route(t.route),
                reviewed=False,
                age_band=AgeBand(t.age_band),
                household_size=t.household_size,
                minors_present=t.minors > 0,
                routed_at=s.received_at,
            )
        )
    received = {s.truth.reference: s.received_at for s in signals}
    for case in case_truths([s.truth for s in signals]):
        members = [
            MatchedSignal(
                signal_id=ids[t.reference],
                vlp_id=t.creditor_id,
                vlp_type=next(s.creditor.type for s in signals if s.truth is t),
                kind=SignalKind(t.kind),
                arrears_type=ArrearsType(t.arrears_type),
                route=Route(t.route),
                amount=Decimal(t.amount),
                signal_date=date.fromisoformat(t.received_on),
                oldest_due_date=date.fromisoformat(t.oldest_due_date),
                received_at=received[t.reference],
                postcode_area=t.pc4,
                household_size=t.household_size,
                minors_present=t.minors > 0,
            )
            for t in case.signals
        ]
        state = case_state(
            members,
            status=CaseStatus.OPEN,
            version=1,
            repeats={},
            others=(),
            policy=PriorityPolicy(),
        )
        facts.append(
            CaseOpened(
                municipality=case.municipality,
                occurred_at=state.opened_at,
                case_id=uuid4(),
                state=state,
            )
        )
    return facts


async def ingest(bench: Bench, facts: list[Event]) -> None:
    """Publish the facts; time until reporting's group committed every one."""
    per_topic: dict[str, int] = defaultdict(int)
    producer = AIOKafkaProducer(bootstrap_servers=bench.kafka, linger_ms=20)
    await producer.start()
    first = time.monotonic()
    try:
        for event in facts:
            topic = bench.topic(topic_for(event).name)
            per_topic[topic] += 1
            message = encode(event, topic=topic, source="/bench", trace={})
            await producer.send(
                topic, value=message.value, key=message.key, headers=list(message.headers)
            )
        await producer.flush()
    finally:
        await producer.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=bench.kafka)
    await admin.start()
    try:
        while True:
            offsets = await admin.list_consumer_group_offsets(f"vroeg-{bench.prefix}reporting")
            done: dict[str, int] = defaultdict(int)
            for tp, meta in offsets.items():
                done[tp.topic] += meta.offset
            if all(done[t] >= n for t, n in per_topic.items()):
                break
            await asyncio.sleep(0.2)
    finally:
        await admin.close()
    seconds = time.monotonic() - first
    print(
        f"ingest: {len(facts):,} facts ({dict(sorted(per_topic.items()))}) kept in "
        f"{seconds:.1f} s: {len(facts) / seconds:,.0f} facts/s"
    )


# n = 1 … $3, each with a municipality m drawn from $1 (weighted by inhabitants); about 30
# postcode areas per municipality.
_SPREAD = (
    "(SELECT n, ($1::text[])[1 + (n::bigint * 7919) % cardinality($1::text[])] AS m "
    "FROM generate_series(1, $3) AS n) AS g"
)
_PC4 = "(1000 + abs(hashtext(m)::bigint) % 8900 + n % 30)::text"


def weighted_codes() -> list[str]:
    """10,000 CBS codes, each as often as its share of the country's inhabitants."""
    towns = parse("national")
    total = sum(t.inhabitants for t in towns)
    codes = [t.code for t in towns for _ in range(max(1, round(10_000 * t.inhabitants / total)))]
    return codes[:10_000]


async def load_year(url: str, signals: int, year: int) -> None:
    """Bulk-load a year of facts over the country into reporting's tables."""
    codes = weighted_codes()
    conn = await asyncpg.connect(url)
    try:
        start = date(year, 1, 1)
        await conn.execute(
            "INSERT INTO reporting.signal_facts SELECT gen_random_uuid(), m, 'vlp-' || n % 40, "
            "(ARRAY['HUUR','DRINKWATER','ZORGVERZEKERING','ENERGIE'])[1 + n % 4], "
            "CASE WHEN n % 90 = 0 THEN 'AFSLUITING' ELSE 'VROEGSIGNAAL' END, 'HUUR', "
            f"100 + n % 2000, {_PC4}, "
            "(ARRAY['18-26','27-44','45-66','67+'])[1 + n % 4], n % 3 > 0, n % 4 = 0, "
            "$2::date + (n % 365), CASE WHEN n % 40 = 0 THEN 'TERMIJN' END "
            f"FROM {_SPREAD}",
            codes,
            start,
            signals,
        )
        await conn.execute(
            "INSERT INTO reporting.route_facts SELECT signal_id, municipality, "
            "(ARRAY['resident','resident','resident','resident','relocated','debt-help',"
            "'deceased','review'])[1 + abs(hashtext(signal_id::text)::bigint) % 8], true, NULL, "
            "age_band, 1 + abs(hashtext(signal_id::text)::bigint) % 5, false, now() "
            "FROM reporting.signal_facts"
        )
        cases = signals * 7 // 10
        await conn.execute(
            "INSERT INTO reporting.cases SELECT gen_random_uuid(), m, 1, "
            "CASE WHEN n % 3 = 0 THEN 'OPEN' ELSE 'CLOSED' END, $2::date + (n % 365), "
            f"n % 90 = 0, 1 + n % 3, 100 + n % 5000, 1 + n % 5, n % 4 = 0, {_PC4}, "
            "n % 5 < 2, n % 10 = 0, CASE WHEN n % 10 = 0 THEN 'WIL_HULP' END "
            f"FROM {_SPREAD}",
            codes,
            start,
            cases,
        )
        await conn.execute(
            "INSERT INTO reporting.attempts SELECT gen_random_uuid(), case_id, municipality, "
            "(ARRAY['BRIEF','TELEFOON','HUISBEZOEK','SMS_WHATSAPP'])[1 + k], opened_on + k, "
            "(abs(hashtext(case_id::text)::bigint) + k) % 3 > 0, k = 0, now() "
            "FROM reporting.cases, generate_series(0, 1) AS k"
        )
        await conn.execute(
            "INSERT INTO reporting.outcomes SELECT case_id, municipality, "
            "(ARRAY['WIL_HULP','WIL_GEEN_HULP','NIET_BEREIKT'])"
            "[1 + abs(hashtext(case_id::text)::bigint) % 3], "
            "'QUICK_FIX', now() FROM reporting.cases WHERE status = 'CLOSED'"
        )
        await conn.execute(
            "INSERT INTO reporting.deadlines SELECT case_id, municipality, opened_on + 14, now(), "
            "abs(hashtext(case_id::text)::bigint) % 10 > 0, "
            "abs(hashtext(case_id::text)::bigint) % 10 = 0, "
            "false FROM reporting.cases"
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def query(url: str, signals: int) -> None:
    """Every indicator for one municipality over periods of a year, and for a region."""
    year = MONTH.year
    started = time.monotonic()
    await load_year(url.replace("+asyncpg", ""), signals, year)
    print(
        f"query: a national year ({signals:,} signals, {signals * 7 // 10:,} cases, their "
        f"routes, attempts, outcomes, deadlines) loaded in {time.monotonic() - started:.0f} s"
    )
    settings = Settings.model_validate({"DATABASE_URL": url, "VROEG_ENVIRONMENT": "test"})
    engine = create_engine(settings, schema="reporting", service="reporting")
    sessions = create_sessionmaker(engine)
    try:
        print(f"  counted from the facts (every month stale), load {_load()}:")
        await _periods(sessions, year)
        slowest = []
        async with sessions() as session:
            for indicator in CATALOGUE:
                first = time.monotonic()
                await monitor.compute(
                    session, ["0363"], monitor.parse_period(f"{year}"), [indicator]
                )
                slowest.append((time.monotonic() - first, indicator.name))
        print(
            "  slowest indicators from the facts, 0363 per year: "
            + ", ".join(f"{name} {seconds:.3f} s" for seconds, name in sorted(slowest)[-4:])
        )
        first = time.monotonic()
        months = await rollup.refresh(Database(sessions, service="reporting", settings=settings))
        print(
            f"  rollup: {months} months of every municipality kept in "
            f"{time.monotonic() - first:.1f} s, load {_load()}"
        )
        async with sessions() as session, session.begin():
            await session.execute(
                sa.text(
                    "INSERT INTO stale_months (municipality, month)"
                    " SELECT DISTINCT municipality, month FROM monthly_figures"
                )
            )
        first = time.monotonic()
        months = await rollup.refresh(Database(sessions, service="reporting", settings=settings))
        print(
            f"  rollup again, every month stale anew (its figures replaced, as in each refresh "
            f"after the first): {months} months in {time.monotonic() - first:.1f} s, "
            f"load {_load()}"
        )
        print(f"  from the rollup, load {_load()}:")
        await _periods(sessions, year)
    finally:
        await engine.dispose()


def _load() -> str:
    """The 1-minute load average (the figures depend on what else the machine runs)."""
    return Path("/proc/loadavg").read_text().split()[0]


async def _periods(sessions: async_sessionmaker[AsyncSession], year: int) -> None:
    async with sessions() as session:
        for label, towns, period in (
            ("0363 (Amsterdam), year", ["0363"], f"{year}"),
            ("0363, quarter", ["0363"], f"{year}-K4"),
            ("0363, month", ["0363"], f"{year}-10"),
            ("0518 (Den Haag), year", ["0518"], f"{year}"),
            ("0014 (Groningen), year", ["0014"], f"{year}"),
            ("a region of five, year", ["0363", "0599", "0344", "0772", "0014"], f"{year}"),
        ):
            first = time.monotonic()
            values = await monitor.compute(session, towns, monitor.parse_period(period))
            seconds = time.monotonic() - first
            signals_found = next(
                (
                    v.numerator
                    for v in values
                    if v.indicator.name == "signalen" and v.municipality == monitor.REGION
                ),
                0,
            )
            print(
                f"    {label}: {len(values):,} figures ({signals_found:,} signals) in "
                f"{seconds:.3f} s"
            )


async def main(persons: int, signals: int, year_signals: int) -> None:
    population = build_population(persons, seed=1, municipalities="national")
    generated = generate(population, month=MONTH, signals=signals, history_months=0, seed=1)
    facts = month_of_facts(generated.measured)
    async with isolated_platform("reporting", {}) as bench:
        bench.platform.start(["reporting"])
        await ingest(bench, facts)
        bench.platform["reporting"].stop()
        await asyncpg_clear(bench)
        await query(bench.platform["reporting"].env["DATABASE_URL"], year_signals)


async def asyncpg_clear(bench: Bench) -> None:
    """Empty the tables the ingest filled: the year goes in alone."""
    url = bench.platform["reporting"].env["DATABASE_URL"].replace("+asyncpg", "")
    conn = await asyncpg.connect(url)
    try:
        tables = (
            *("signal_facts", "route_facts", "cases", "attempts", "outcomes", "deadlines"),
            *("stale_months", "monthly_figures"),
        )
        await conn.execute(f"TRUNCATE {', '.join(f'reporting.{t}' for t in tables)}")
    finally:
        await conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=500_000)
    parser.add_argument("--signals", type=int, default=5_000, help="signals of the month")
    parser.add_argument("--year-signals", type=int, default=860_000)
    args = parser.parse_args()
    asyncio.run(main(args.persons, args.signals, args.year_signals))
