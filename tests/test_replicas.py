"""Two replicas of every service on six-partition topics, one of each SIGKILLed mid-stream:
every signal is still routed, matched, deadlined, fed back and counted exactly once.

The services run as processes; the test posts over HTTP and reads topics and tables only.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.kafka import headers_of, read_topic, wait_until_consumed
from tests.support.monitor import get_figures, this_month
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import ServiceProcess, free_port
from vroeg.shared.events import Route
from vroeg.shared.topics import (
    ROUTE_TOPICS,
    SERVICES,
    SIGNAL_REPEATED,
    consumed_by,
    dead_letter_topic,
)

TODAY = date(2026, 11, 27)
SIGNALS = 250  # 50 per kind
PARTITIONS = "6"
IN_FLIGHT = 8  # requests posted at once, spread over both intake replicas
CASE_ROUTES = {"resident", "deceased"}

# Debtors of the BRP stand-in's demo population, one per route, and one intake refuses.
DEBTORS: dict[str, dict[str, Any]] = {
    "resident": {
        "geslachtsnaam": "Jansen",
        "geboortedatum": date(1980, 5, 1),
        "postcode": "1012AB",
        "huisnummer": 1,
    },
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
KINDS = tuple(DEBTORS)


def _body(n: int) -> tuple[str, dict[str, Any]]:
    kind = KINDS[n % len(KINDS)]
    body = signal_body(
        reference=f"replicas-{n:04d}",
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        today=TODAY,
        **DEBTORS[kind],
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


async def _settled(iso: Isolation) -> None:
    """Every service's group has consumed everything on its topics, pass after pass, so what
    one stage sent late is consumed by the next."""
    for _ in range(3):
        for service in SERVICES:
            for topic in consumed_by(service):
                await wait_until_consumed(iso.kafka, iso.group(service), iso.topic(topic.name), 120)


# Seventeen processes on two cores: slow, and on a loaded machine past the default timeout.
@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_two_replicas_of_every_service_one_of_each_killed_mid_stream_lose_and_repeat_nothing(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = make_platform({"VROEG_TOPIC_PARTITIONS": PARTITIONS})
    platform.start([n for n in platform.processes if n != "web"])
    seconds = {
        name: ServiceProcess(
            name, free_port(), dict(platform[name].env), tmp_path / "logs" / f"{name}-2.log"
        )
        for name in SERVICES
    }
    try:
        for replica in seconds.values():
            replica.start()
        for replica in seconds.values():
            replica.wait_ready()
        key = await creditor_key(platform["intake"].url)
        intakes = [platform["intake"].url, seconds["intake"].url]
        planned = [_body(n) for n in range(SIGNALS)]
        results: list[dict[str, Any]] = []
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def post(n: int) -> dict[str, Any]:
            async with gate:
                return await _post(intakes, key, planned[n][1], n)

        half = SIGNALS // 2
        results += await asyncio.gather(*(post(n) for n in range(half)))
        # Mid-stream: while the first half is still flowing through the services, and the
        # second half is being posted, one replica of each service dies without cleanup.
        rest = asyncio.gather(*(post(n) for n in range(half, SIGNALS)))
        await asyncio.sleep(1)
        for replica in seconds.values():
            replica.kill()
        results += await rest
        for replica in seconds.values():  # back, rejoining their groups
            replica.start()

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
            for record in await read_topic(isolation.kafka, topic, expect=expected, settle=0.5):
                signal_id = _signal_id(record.value)
                assert signal_id in by_kind[route.value], route
                routed_events[signal_id].add(headers_of(record)["ce_id"])
        assert {s: len(e) for s, e in routed_events.items()} == dict.fromkeys(accepted, 1)

        # Matched once: every case-route signal in exactly one case.
        members = await fetch(
            isolation.database_url, "SELECT signal_id::text AS s FROM matcher.case_signals"
        )
        case_route = set().union(*(by_kind[k] for k in CASE_ROUTES))
        assert Counter(r["s"] for r in members) == dict.fromkeys(case_route, 1)

        # Deadlined once: every case one first-contact deadline.
        cases = await fetch(isolation.database_url, "SELECT id FROM matcher.cases")
        deadlines = await fetch(
            isolation.database_url, "SELECT case_id FROM followup.first_contact_deadlines"
        )
        assert Counter(r["case_id"] for r in deadlines) == dict.fromkeys(
            (r["id"] for r in cases), 1
        )

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
        repeats = {
            _signal_id(r.value)
            for r in await read_topic(
                isolation.kafka, isolation.topic(SIGNAL_REPEATED.name), expect=1, settle=0.5
            )
        }
        assert repeats
        assert repeats <= case_route
        assert told["NIET_OPGEPAKT"] == by_kind["refused"] | repeats
        assert told["OVERLEDEN"] == by_kind["deceased"]
        assert told["NIET_WOONACHTIG"] == by_kind["relocated"] | by_kind["emigrated"]

        # Nothing parked: a duplicate a table's key refused would be a dead letter.
        for service in SERVICES:
            dead = isolation.topic(dead_letter_topic(service))
            assert await read_topic(isolation.kafka, dead, expect=0, timeout=1) == [], service

        # Counted once.
        counts = await get_figures(platform["reporting"].url, analyst, this_month())
        assert counts[("signalen", "0363", None)] == len(accepted)
        assert counts[("meldingen", "0363", None)] == len(cases)
    finally:
        for replica in seconds.values():
            replica.stop()


def _signal_id(value: bytes | None) -> str:
    assert value is not None
    marker = b'"signal_id":"'
    start = value.index(marker) + len(marker)
    return value[start : start + 36].decode()
