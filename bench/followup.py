"""Benchmark of followup's deadlines (R-FU-1): how fast cases get their deadline, and how long
one pass of the durable scheduler takes over many open cases.

1. Scheduling: `--cases` CaseOpened events (as the matcher would publish them) go to a running
   followup; timed from the first publish to the last offset its group committed: deadlines
   scheduled per second.
2. Firing: `--open` open cases with their deadlines are bulk-loaded into followup's tables,
   the clock (`VROEG_CLOCK_FILE`) moved past every due date, and one scheduler pass
   (`scheduler.announce_due`, as the periodic job runs it) announces each missed deadline:
   the pass's seconds and events/s; then a pass with nothing left to announce.
    uv run python bench/followup.py [--cases N] [--open N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from isolated import Bench, isolated_platform

from vroeg.followup.scheduler import announce_due
from vroeg.followup.settings import Settings
from vroeg.matcher.rules import MatchedSignal, PriorityPolicy, case_state
from vroeg.shared.cloudevents import encode
from vroeg.shared.db import create_engine, create_sessionmaker
from vroeg.shared.events import (
    ArrearsType,
    CaseOpened,
    CaseStatus,
    Route,
    SignalKind,
    VlpType,
)
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.topics import CASE_OPENED


def opened(n: int) -> CaseOpened:
    """A new case of one rent signal (every 50th a water disconnection), received now."""
    now = datetime.now(UTC)
    crisis = n % 50 == 0
    signal = MatchedSignal(
        signal_id=uuid4(),
        vlp_id="bench",
        vlp_type=VlpType.DRINKWATER if crisis else VlpType.HUUR,
        kind=SignalKind.AFSLUITING if crisis else SignalKind.VROEGSIGNAAL,
        arrears_type=ArrearsType.DRINKWATER if crisis else ArrearsType.HUUR,
        route=Route.RESIDENT,
        amount=Decimal("412.00"),
        signal_date=now.date(),
        oldest_due_date=now.date() - timedelta(days=60),
        received_at=now,
        postcode_area="1012",
    )
    state = case_state(
        [signal], status=CaseStatus.OPEN, version=1, repeats={}, others=(), policy=PriorityPolicy()
    )
    return CaseOpened(municipality="0363", occurred_at=now, case_id=uuid4(), state=state)


async def schedule(bench: Bench, cases: int) -> None:
    """Publish new cases; time until followup fixed every deadline."""
    topic = bench.topic(CASE_OPENED.name)
    events = [opened(n) for n in range(cases)]
    producer = AIOKafkaProducer(bootstrap_servers=bench.kafka, linger_ms=20)
    await producer.start()
    first = time.monotonic()
    try:
        for event in events:
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
            offsets = await admin.list_consumer_group_offsets(f"vroeg-{bench.prefix}followup")
            if sum(m.offset for tp, m in offsets.items() if tp.topic == topic) >= cases:
                break
            await asyncio.sleep(0.2)
    finally:
        await admin.close()
    seconds = time.monotonic() - first
    print(
        f"scheduling: {cases:,} new cases got their deadline in {seconds:.1f} s: "
        f"{cases / seconds:,.0f} deadlines scheduled/s"
    )


async def load_open_cases(url: str, count: int, today: datetime) -> None:
    """Bulk-load `count` open cases whose deadlines all lie before `today`."""
    conn = await asyncpg.connect(url)
    try:
        opened = today - timedelta(days=30)
        await conn.execute(
            "INSERT INTO followup.cases (case_id, municipality, status, case_version, crisis, "
            "flags, priority_score, signal_ids, signal_count, offer_owed, opened_at, "
            "total_amount) "
            "SELECT gen_random_uuid(), '0363', 'OPEN', 1, n % 50 = 0, '[]', n % 100, "
            "'[]', 1, true, $1, 100 FROM generate_series(1, $2) AS n",
            opened,
            count,
        )
        await conn.execute(
            "INSERT INTO followup.first_contact_deadlines (case_id, municipality, opened_on, "
            "due_date, working_days, crisis, due_soon_on) "
            "SELECT c.case_id, c.municipality, $1::date, $1::date + 14, 10, c.crisis, "
            "$1::date + 13 FROM followup.cases c WHERE NOT EXISTS (SELECT 1 FROM "
            "followup.first_contact_deadlines d WHERE d.case_id = c.case_id)",
            opened.date(),
        )
        await conn.execute("ANALYZE followup.cases; ANALYZE followup.first_contact_deadlines")
    finally:
        await conn.close()


async def fire(bench: Bench, count: int) -> None:
    """One scheduler pass over `count` open cases whose deadlines all passed."""
    url = bench.platform["followup"].env["DATABASE_URL"]
    clock = Path(tempfile.mkdtemp(prefix="vroeg-bench-clock-")) / "now"
    today = datetime.now(UTC)
    clock.write_text(today.isoformat())
    started = time.monotonic()
    await load_open_cases(url.replace("+asyncpg", ""), count, today)
    print(f"firing: {count:,} open cases loaded in {time.monotonic() - started:.1f} s")
    settings = Settings.model_validate(
        {"DATABASE_URL": url, "VROEG_ENVIRONMENT": "test", "VROEG_CLOCK_FILE": str(clock)}
    )
    engine = create_engine(settings, schema="followup", service="followup")
    database = Database(create_sessionmaker(engine), service="followup", settings=settings)
    try:
        for label in ("every deadline missed", "nothing left to announce"):
            first = time.monotonic()
            announced = await announce_due(database, settings)
            seconds = time.monotonic() - first
            total = sum(announced.values())
            print(
                f"  one scheduler pass, {label}: {seconds:.2f} s, {total:,} announced"
                + (f" ({total / seconds:,.0f} events/s)" if total else "")
            )
    finally:
        await engine.dispose()


async def main(cases: int, open_cases: int) -> None:
    async with isolated_platform("followup", {"VROEG_SCHEDULER_INTERVAL_S": "3600"}) as bench:
        bench.platform.start(["followup"])
        await schedule(bench, cases)
        bench.platform["followup"].stop()  # the pass below is the only one
        await fire(bench, open_cases)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="new cases to schedule")
    parser.add_argument("--open", type=int, default=100_000, help="open cases for one pass")
    args = parser.parse_args()
    asyncio.run(main(args.cases, args.open))
