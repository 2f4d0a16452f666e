"""Benchmark of the matcher's CBS (DDAS) export: how long a municipality's delivery takes to
assemble on demand, and how large it is.

A month of a 900,000-inhabitant municipality (about 4,000 signals, `realistic.py`) is fed to
the matcher on the signals' ground-truth routes (the review queue's left out: undecided); every
case then gets what followup would announce — an automatic letter, a person's call, the first
contact and an outcome — on followup's topics. Then `GET /v1/gemeenten/{gemeente}/cbs-levering`
is asked for the month several times (each assembled anew and audited): seconds per delivery
(median and slowest), records, bytes, and whether it validates against VNG's schema.
    uv run python bench/cbs_export.py [--signals N] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from isolated import Bench, isolated_platform
from jsonschema import Draft202012Validator, FormatChecker
from matcher import Usage, database_url, handled
from realistic import generate

from vroeg.shared.cloudevents import encode
from vroeg.shared.events import (
    CaseOutcomeRegistered,
    ContactAttempted,
    ContactKind,
    ContactResult,
    Event,
    FirstContactMet,
    OutcomeCategory,
    OutcomeDetail,
    PartOfDay,
    Route,
)
from vroeg.shared.topics import topic_for
from vroeg.standins.brp.synthetic import build_population

MONTH = date(2026, 11, 1)
PERIOD = {"startdatum": "2026-11-01", "einddatum": "2026-11-30"}
SCHEMA = (
    Path(__file__).resolve().parents[1]
    / "../shared/ref/ddas-vroegsignalering-v0.9/json_schema_Uitwisselmodel.json"
)
USERS = [
    {
        "username": "cbs-0363",
        "password": "cbs-0363",
        "name": "CBS",
        "roles": ["cbs-export"],
        "gemeenten": ["0363"],
    }
]
OUTCOMES = (
    (OutcomeCategory.WIL_HULP, OutcomeDetail.QUICK_FIX),
    (OutcomeCategory.WIL_HULP, OutcomeDetail.VERWIJZING_FINANCIEEL),
    (OutcomeCategory.WIL_GEEN_HULP, OutcomeDetail.ZELF_GEREGELD),
    (OutcomeCategory.NIET_BEREIKT, OutcomeDetail.GEEN_CONTACT),
)


async def publish(bench: Bench, events: list[Event]) -> dict[str, int]:
    """Send events on their topics, as their producers would; how many went to each."""
    producer = AIOKafkaProducer(bootstrap_servers=bench.kafka, linger_ms=20)
    await producer.start()
    sent: dict[str, int] = {}
    try:
        for event in events:
            topic = bench.topic(topic_for(event).name)
            message = encode(event, topic=topic, source="/bench", trace={})
            await producer.send(
                topic, value=message.value, key=message.key, headers=list(message.headers)
            )
            sent[topic] = sent.get(topic, 0) + 1
        await producer.flush()
    finally:
        await producer.stop()
    return sent


def followed_up(case_id: UUID, signal_ids: list[UUID], n: int) -> list[Event]:
    """What followup announces for a case: a letter, a call, the first contact, an outcome."""
    day = MONTH + timedelta(days=10 + n % 15)
    moment = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    category, detail = OUTCOMES[n % len(OUTCOMES)]
    return [
        ContactAttempted(
            municipality="0363",
            occurred_at=moment,
            case_id=case_id,
            attempt_id=uuid4(),
            kind=ContactKind.BRIEF,
            attempted_on=day - timedelta(days=1),
            result=ContactResult.NIET_BEREIKT,
            automatic=True,
        ),
        ContactAttempted(
            municipality="0363",
            occurred_at=moment,
            case_id=case_id,
            attempt_id=uuid4(),
            kind=ContactKind.TELEFOON,
            attempted_on=day,
            part_of_day=PartOfDay.MIDDAG,
            result=ContactResult.BEREIKT,
            automatic=False,
        ),
        FirstContactMet(
            municipality="0363",
            occurred_at=moment,
            case_id=case_id,
            due_date=day + timedelta(days=5),
            attempted_on=day,
            on_time=True,
            crisis=False,
        ),
        CaseOutcomeRegistered(
            municipality="0363",
            occurred_at=moment,
            case_id=case_id,
            signal_ids=tuple(signal_ids),
            category=category,
            detail=detail,
            closed_at=moment + timedelta(days=2),
        ),
    ]


async def main(signals: int, runs: int, users: Path) -> None:
    population = build_population(900_000, municipalities="0363")
    generated = generate(population, month=MONTH, signals=signals, history_months=0)
    routed = [s.routed() for s in generated.signals if s.truth.route != Route.REVIEW]
    async with isolated_platform("cbs_export", {"VROEG_IDP_USERS": str(users)}) as bench:
        bench.platform.start(["idp-standin", "matcher"])
        process = bench.platform["matcher"].popen
        assert process is not None
        usage = Usage([process.pid])
        totals: dict[str, int] = {}
        for topic, n in (await publish(bench, list(routed))).items():
            totals[topic] = totals.get(topic, 0) + n
        await handled(bench, totals, usage)
        connection = await asyncpg.connect(database_url(bench))
        try:
            cases = await connection.fetch(
                "SELECT case_id, array_agg(signal_id) AS signal_ids "
                "FROM matcher.case_signals GROUP BY case_id"
            )
        finally:
            await connection.close()
        facts = [
            event
            for n, row in zip(range(len(cases)), cases, strict=True)
            for event in followed_up(
                UUID(str(row["case_id"])), [UUID(str(i)) for i in row["signal_ids"]], n
            )
        ]
        started = time.monotonic()
        for topic, n in (await publish(bench, facts)).items():
            totals[topic] = totals.get(topic, 0) + n
        facts_s = await handled(bench, totals, usage) - started
        print(
            f"0363: {len(routed):,} routed signals (review left out), {len(cases):,} cases; "
            f"{len(facts):,} followup facts handled in {facts_s:.1f} s "
            f"({len(facts) / facts_s:,.0f}/s)"
        )
        url = f"{bench.platform['matcher'].url}/v1/gemeenten/0363/cbs-levering"
        seconds, body = [], b""
        async with httpx.AsyncClient(timeout=120) as http:
            token = (
                await http.post(
                    f"{bench.platform['idp-standin'].url}/token",
                    data={"grant_type": "password", "username": "cbs-0363", "password": "cbs-0363"},
                )
            ).json()["access_token"]
            for _ in range(runs):
                first = time.monotonic()
                response = await http.get(
                    url, params=PERIOD, headers={"Authorization": f"Bearer {token}"}
                )
                seconds.append(time.monotonic() - first)
                response.raise_for_status()
                body = response.content
        document = json.loads(body)
        validator = Draft202012Validator(
            json.loads(SCHEMA.read_text()), format_checker=FormatChecker()
        )
        errors = sum(1 for _ in validator.iter_errors(document))
        [levering] = document["leveringen"]
        print(
            f"  delivery of the month: median {statistics.median(seconds):.2f} s, slowest "
            f"{max(seconds):.2f} s over {runs} requests; {len(levering['vroegsignalen']):,} "
            f"signals, {len(levering['vroegsignaalzaken']):,} cases, "
            f"{sum(len(z['contactpogingen']) for z in levering['vroegsignaalzaken']):,} "
            f"attempts, {len(body) / 1024:,.0f} KiB; schema errors: {errors}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=4_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="vroeg-bench-cbs-") as directory:
        accounts = Path(directory) / "users.json"
        accounts.write_text(json.dumps(USERS))
        asyncio.run(main(args.signals, args.runs, accounts))
