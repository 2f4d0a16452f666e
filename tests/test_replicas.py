"""Two replicas of every service on six-partition topics, one of each SIGKILLed mid-stream:
every signal is still routed, matched, deadlined, fed back and counted exactly once.

The replica that dies is armed with a failpoint, so it dies where a crash is hardest to get
right, not wherever a timer happens to land: a consumer right after its transaction committed
and before its offset did (the other replica is handed the partitions and reads those events
again), intake's relay after the signals were stored and before they were sent. The services
run as processes; the test posts over HTTP and reads topics, tables and reporting's API only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import signal
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.db import eventually, fetch, unsent
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.kafka import read_events, read_topic, wait_until_consumed
from tests.support.metrics import scrape
from tests.support.monitor import get_figures, this_month
from vroeg.deploy.demo_batch import signal_body
from vroeg.deploy.processes import BRP_STANDIN, ServiceProcess, free_port
from vroeg.shared.events import FirstContactDeadlineSet, Route, SignalRepeated, SignalRouted
from vroeg.shared.messaging.failpoints import CONSUMER_AFTER_COMMIT, OUTBOX_BEFORE_SEND
from vroeg.shared.topics import (
    FIRST_CONTACT_DEADLINE_SET,
    ROUTE_TOPICS,
    SERVICES,
    SIGNAL_REPEATED,
    consumed_by,
    dead_letter_topic,
)
from vroeg.standins.brp.population import demo_population, person

TODAY = date(2026, 11, 27)
SIGNALS = 150  # 30 per kind
PARTITIONS = "6"
IN_FLIGHT = 8  # requests posted at once, spread over both intake replicas
CASE_ROUTES = {"resident", "deceased"}
# Residents of households of their own, so that route and case events (keyed by household and
# case) spread over all six partitions and each replica is handed some.
HOUSEHOLDS = 25  # 30 residents' signals: five households get a second
# intake consumes nothing: its replica dies in its outbox relay instead.
FAILPOINT = {service: CONSUMER_AFTER_COMMIT for service in SERVICES} | {
    "intake": OUTBOX_BEFORE_SEND
}

# Debtors of the BRP stand-in's demo population, one per other route, and one intake refuses.
DEBTORS: dict[str, dict[str, Any]] = {
    "deceased": {
        "geslachtsnaam": "Vries",
        "voorvoegsel": "de",
        "geboortedatum": date(1950, 2, 2),
        "postcode": "1012AB",
        "huisnummer": 3,
    },
    "relocated": {
        "geslachtsnaam": "Bakker",
        "geboortedatum": date(1975, 7, 7),
        "postcode": "1012AB",
        "huisnummer": 8,
    },
    "emigrated": {
        "geslachtsnaam": "Visser",
        "geboortedatum": date(1990, 11, 11),
        "postcode": "1012AD",
        "huisnummer": 7,
    },
    "refused": {
        "geslachtsnaam": "Dekker",
        "geboortedatum": date(1988, 8, 8),
        "postcode": "1012AH",
        "huisnummer": 2,
    },
}
KINDS = ("resident", *DEBTORS)


def _resident(household: int) -> dict[str, Any]:
    return {
        "geslachtsnaam": "Jong",
        "geboortedatum": date(1960, 1, 1) + timedelta(days=household),
        "postcode": "1013AA",
        "huisnummer": 100 + household,
    }


def _population() -> list[dict[str, Any]]:
    """The demo population and one resident in each of `HOUSEHOLDS` dwellings of 0363."""
    bsns = (b for b in (_bsn(99998000 + n) for n in itertools.count()) if b is not None)
    residents = [
        person(
            bsn=next(bsns),
            voornamen="Ruud",
            gemeente=("0363", "Amsterdam"),
            address_key=f"036301{9000000000 + h}",
            **_resident(h),
        )
        for h in range(HOUSEHOLDS)
    ]
    return [*demo_population(), *residents]


def _bsn(eight: int) -> str | None:
    """The BSN of these eight digits and the ninth that passes the eleven test, if one does."""
    digits = [int(d) for d in f"{eight:08d}"]
    check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
    return f"{eight:08d}{check}" if check < 10 else None


def _household(n: int) -> int:
    """The household of the n-th signal, if it is a resident's."""
    return n // len(KINDS) % HOUSEHOLDS


def _body(n: int) -> tuple[str, dict[str, Any]]:
    kind = KINDS[n % len(KINDS)]
    debtor = _resident(_household(n)) if kind == "resident" else DEBTORS[kind]
    body = signal_body(
        reference=f"replicas-{n:04d}",
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        today=TODAY,
        **debtor,
    )
    if kind == "refused":  # arrears of 20 days: under the rent threshold (R-IN-4)
        body["oldestDueDate"] = (TODAY - timedelta(days=20)).isoformat()
    return kind, body


async def _post(urls: list[str], key: str, body: dict[str, Any], first: int) -> dict[str, Any]:
    """Post a signal, to the other replica when one is gone: a retry gives the first result
    (R-IN-5), as a creditor's retry would."""
    async with httpx.AsyncClient(headers={"X-Api-Key": key}, timeout=30) as http:
        for attempt in range(20):
            url = urls[(first + attempt) % len(urls)]
            with contextlib.suppress(httpx.TransportError):
                response = await http.post(f"{url}/v1/signalen", json=body)
                assert response.status_code in (200, 201), response.text
                result: dict[str, Any] = response.json()
                return result
            await asyncio.sleep(0.5)
    raise AssertionError("no intake replica took the signal")


async def _settled(iso: Isolation, passes: int = 3) -> None:
    """Every service's group has consumed everything on its topics, pass after pass, so what
    one stage sent late is consumed by the next; each pass once every outbox is empty (a relay
    whose send hung replaces its producer after the send's time limit, and sends again)."""
    for _ in range(passes):
        assert await eventually(lambda: unsent(iso.database_url), lambda n: n == 0, 120) == 0
        for service in SERVICES:
            for topic in consumed_by(service):
                await wait_until_consumed(iso.kafka, iso.group(service), iso.topic(topic.name), 120)


async def _dies_and_comes_back(replica: ServiceProcess) -> None:
    """The armed replica kills itself (SIGKILL) at its failpoint; it is started again, unarmed,
    and rejoins its group while the stream goes on."""
    code = await asyncio.to_thread(replica.wait_exit, 180)
    assert code == -signal.SIGKILL, replica.name
    assert f"failpoint {FAILPOINT[replica.name]}: killing the process" in replica.tail(10**8)
    replica.start()


async def _failed_attempts(process: ServiceProcess) -> float:
    """How many handler attempts failed in the process, on any topic (its /metrics)."""
    samples = await scrape(process.url)
    return sum(v for (name, _), v in samples.items() if name == "vroeg_events_failed_total")


# Seventeen processes on two cores: slow, and on a loaded machine past the default timeout.
@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_two_replicas_of_every_service_one_of_each_killed_mid_stream_lose_and_repeat_nothing(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    population = tmp_path / "population.json"
    population.write_text(json.dumps(_population()))
    platform = make_platform({"VROEG_TOPIC_PARTITIONS": PARTITIONS})
    platform[BRP_STANDIN].env["VROEG_BRP_DATA"] = str(population)
    platform.start([n for n in platform.processes if n != "web"])
    key = await creditor_key(platform["intake"].url)
    # The creditor's key and the tenant consumed everywhere, so the armed replicas meet
    # nothing but the signals.
    await eventually(
        lambda: fetch(isolation.database_url, "SELECT seq FROM intake.outbox"), lambda r: r == []
    )
    await _settled(isolation, passes=1)
    seconds = {
        name: ServiceProcess(
            name, free_port(), dict(platform[name].env), tmp_path / "logs" / f"{name}-2.log"
        )
        for name in SERVICES
    }
    try:
        for name, replica in seconds.items():
            replica.start({"VROEG_FAILPOINTS": FAILPOINT[name]})
        for replica in seconds.values():
            replica.wait_ready()
        intakes = [platform["intake"].url, seconds["intake"].url]
        planned = [_body(n) for n in range(SIGNALS)]
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def post(n: int) -> dict[str, Any]:
            async with gate:
                return await _post(intakes, key, planned[n][1], n)

        # Mid-stream, each armed replica dies at its failpoint and comes back.
        posted = asyncio.gather(*(post(n) for n in range(SIGNALS)))
        await asyncio.gather(*(_dies_and_comes_back(r) for r in seconds.values()))
        results = await posted
        for replica in seconds.values():
            await asyncio.to_thread(replica.wait_ready)

        kinds = [kind for kind, _ in planned]
        ids = [r["id"] for r in results]
        assert len(set(ids)) == SIGNALS
        refused = {i for i, k in zip(ids, kinds, strict=True) if k == "refused"}
        assert {r["id"] for r in results if r["status"] == "NIET_OPGEPAKT"} == refused
        accepted = [i for i in ids if i not in refused]
        by_kind: dict[str, set[str]] = defaultdict(set)
        for signal_id, kind in zip(ids, kinds, strict=True):
            by_kind[kind].add(signal_id)

        analyst = staff_headers(platform, "analyst-0363")
        await eventually(
            lambda: get_figures(platform["reporting"].url, analyst, this_month()),
            lambda c: c.get(("signalen", "0363", None)) == len(accepted),
            timeout=150,
        )
        await _settled(isolation)

        # Routed once: one decision per signal, and one event (by id) on its route's topic.
        checks = await fetch(
            isolation.database_url, "SELECT signal_id::text AS s, route FROM brp_check.checks"
        )
        assert sorted(r["s"] for r in checks) == sorted(accepted)
        routed_events: dict[str, set[str]] = defaultdict(set)
        for route in (Route.RESIDENT, Route.DECEASED, Route.RELOCATED, Route.EMIGRATED):
            topic = isolation.topic(ROUTE_TOPICS[route].name)
            expected = len(by_kind[route.value])
            for event in await read_events(isolation.kafka, topic, expect=expected, settle=0.5):
                assert isinstance(event, SignalRouted)
                signal_id = str(event.signal.signal_id)
                assert signal_id in by_kind[route.value], route
                routed_events[signal_id].add(str(event.id))
        assert {s: len(e) for s, e in routed_events.items()} == dict.fromkeys(accepted, 1)

        # Matched once: every case-route signal in exactly one case, one case per household
        # of residents (a deceased debtor's case closes by itself: a later signal opens one).
        members = await fetch(
            isolation.database_url,
            "SELECT signal_id::text AS s, case_id FROM matcher.case_signals",
        )
        case_route = set().union(*(by_kind[k] for k in CASE_ROUTES))
        assert Counter(r["s"] for r in members) == dict.fromkeys(case_route, 1)
        case_of = {r["s"]: r["case_id"] for r in members}
        cases_by_household: dict[int, set[str]] = defaultdict(set)
        for n, signal_id in enumerate(ids):
            if kinds[n] == "resident":
                cases_by_household[_household(n)].add(case_of[signal_id])
        assert {h: len(c) for h, c in cases_by_household.items()} == dict.fromkeys(
            range(HOUSEHOLDS), 1
        )
        assert len(set().union(*cases_by_household.values())) == HOUSEHOLDS
        cases = await fetch(isolation.database_url, "SELECT id FROM matcher.cases")

        # Deadlined once: every case one first-contact deadline, each set once (a deadline is
        # announced again only when it tightens, to another date).
        deadlines = await fetch(
            isolation.database_url, "SELECT case_id FROM followup.first_contact_deadlines"
        )
        assert Counter(r["case_id"] for r in deadlines) == dict.fromkeys(
            (r["id"] for r in cases), 1
        )
        announced = await read_events(
            isolation.kafka,
            isolation.topic(FIRST_CONTACT_DEADLINE_SET.name),
            expect=len(cases),
            settle=0.5,
        )
        set_events = [e for e in announced if isinstance(e, FirstContactDeadlineSet)]
        assert len(set_events) == len(announced)
        sets = Counter((str(e.case_id), e.due_date) for e in set_events)
        assert {c for c, _ in sets} == {str(r["id"]) for r in cases}
        assert max(sets.values()) == 1

        # Fed back once: one row per signal and feedback type.
        feedback = await fetch(
            isolation.database_url,
            "SELECT signal_id::text AS s, feedback_type AS t FROM feedback.feedback",
        )
        rows = Counter((r["s"], r["t"]) for r in feedback)
        assert max(rows.values()) == 1
        told: dict[str, set[str]] = defaultdict(set)
        for signal_id, feedback_type in rows:
            told[feedback_type].add(signal_id)
        # A repeat of an earlier signal on the same debt is told so (R-IN-5), once the matcher
        # found it one: which of a household's signals that is depends on their order.
        repeated = await read_events(
            isolation.kafka, isolation.topic(SIGNAL_REPEATED.name), expect=1, settle=0.5
        )
        repeats = {str(e.signal_id) for e in repeated if isinstance(e, SignalRepeated)}
        assert len(repeats) == len(repeated)
        assert repeats <= case_route
        assert told["NIET_OPGEPAKT"] == by_kind["refused"] | repeats
        assert told["OVERLEDEN"] == by_kind["deceased"]
        assert told["NIET_WOONACHTIG"] == by_kind["relocated"] | by_kind["emigrated"]

        # Nothing parked: a duplicate a table's key refused would be a dead letter.
        for service in SERVICES:
            dead = isolation.topic(dead_letter_topic(service))
            assert await read_topic(isolation.kafka, dead, expect=0, timeout=1) == [], service

        # Right the first time: no event failed an attempt in any replica (a race between
        # replicas that a retry papers over would).
        replicas = [*(platform[name] for name in SERVICES), *seconds.values()]
        failed = {f"{p.name} {p.port}": await _failed_attempts(p) for p in replicas}
        assert failed == dict.fromkeys(failed, 0)

        # Counted once.
        counts = await get_figures(platform["reporting"].url, analyst, this_month())
        assert counts[("signalen", "0363", None)] == len(accepted)
        assert counts[("meldingen", "0363", None)] == len(cases)
    finally:
        for replica in seconds.values():
            replica.stop()
