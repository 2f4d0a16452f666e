"""Acceptance: every person of RvIG's test population with a complete address, signalled to
municipality 0518 (Den Haag), is routed as the person's BRP record implies.

brp-check and the BRP stand-in (holding the test population) run as processes; the test
publishes SignalReceived as intake would and reads the route topics. The expected route is
derived from the raw GBA-V records, independently of brp-check.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_topic
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import (
    Address,
    ArrearsType,
    Person,
    Route,
    SignalData,
    SignalKind,
    SignalReceived,
    SignalRouted,
    VlpType,
)
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED, dead_letter_topic
from vroeg.standins.brp.rvig import load_rvig

REF = Path(__file__).resolve().parents[4] / "shared/ref/brp-personen-v2"
SPEC = REF / "openapi.json"
RVIG = REF / "testset-persoonslijsten-proefomgeving-gba-v-20220502.csv"
MUNICIPALITIES = REF / "tabel33-gemeententabel.csv"
SIGNAL_DATE = date(2026, 11, 27)
DEN_HAAG = "0518"
POSTCODE = re.compile(r"^[1-9]\d{3}[A-Z]{2}$")


def _full_birth_date(person: dict[str, Any]) -> date | None:
    value = person.get("geboorte", {}).get("datum", {})
    return date.fromisoformat(value["datum"]) if value.get("type") == "Datum" else None


def _address(person: dict[str, Any]) -> dict[str, Any]:
    return person.get("verblijfplaats", {}).get("verblijfadres", {})


def _signalable(person: dict[str, Any]) -> bool:
    address = _address(person)
    return bool(
        person.get("naam", {}).get("geslachtsnaam")
        and POSTCODE.match(address.get("postcode", ""))
        and address.get("huisnummer")
    )


def _searchable(person: dict[str, Any]) -> bool:
    """Whether the BRP's query patterns (the official spec's) accept the person's name."""
    schemas = json.loads(SPEC.read_text())["components"]["schemas"]
    surname, prefix = person["naam"]["geslachtsnaam"], person["naam"].get("voorvoegsel")
    surname_ok = re.search(schemas["GeslachtsnaamFilter"]["pattern"], surname) is not None
    prefix_ok = prefix is None or re.search(schemas["VoorvoegselFilter"]["pattern"], prefix)
    return surname_ok and "*" not in surname and bool(prefix_ok)


def expected_route(person: dict[str, Any], population: list[dict[str, Any]]) -> Route:
    """What the person's BRP record implies, by the issue's acceptance rules."""
    if not _searchable(person):
        return Route.REVIEW  # R-BRP-5: the BRP cannot be asked for this name (item 22)
    name = person["naam"]["geslachtsnaam"].lower()
    born = _full_birth_date(person)
    if born is not None:
        prefix = person["naam"].get("voorvoegsel", "").lower()
        namesakes = [
            p
            for p in population
            if p.get("naam", {}).get("geslachtsnaam", "").lower() == name
            and _full_birth_date(p) == born
            and (not prefix or p["naam"].get("voorvoegsel", "").lower() == prefix)
        ]
    else:
        address = _address(person)
        namesakes = [
            p
            for p in population
            if p.get("naam", {}).get("geslachtsnaam", "").lower() == name
            and _address(p).get("postcode") == address["postcode"]
            and _address(p).get("huisnummer") == address["huisnummer"]
            and (
                not address.get("huisletter")
                or _address(p).get("huisletter", "").lower() == address["huisletter"].lower()
            )
        ]
    bsns = {p["burgerservicenummer"] for p in namesakes}
    records = [p for p in population if p["burgerservicenummer"] in bsns]
    if len(records) != 1:
        return Route.REVIEW
    reason = person.get("opschortingBijhouding", {}).get("reden", {}).get("code")
    if reason == "O":
        return Route.DECEASED
    if reason in ("E", "R"):
        return Route.EMIGRATED
    if reason is not None:
        return Route.REVIEW
    municipality = person.get("gemeenteVanInschrijving", {}).get("code")
    if municipality is None:
        return Route.REVIEW
    if municipality != DEN_HAAG:
        return Route.RELOCATED
    if born is not None and _age(born, SIGNAL_DATE) < 18:
        return Route.MINOR
    return Route.RESIDENT


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def signal_for(person: dict[str, Any]) -> SignalReceived:
    naam, address = person["naam"], _address(person)
    signal = SignalData(
        signal_id=uuid4(),
        vlp_id="haagwonen",
        vlp_type=VlpType.HUUR,
        vlp_reference=f"rvig-{person['burgerservicenummer']}-{uuid4().hex[:6]}",
        kind=SignalKind.VROEGSIGNAAL,
        arrears_type=ArrearsType.HUUR,
        signal_date=SIGNAL_DATE,
        debtor=Person(
            voornamen=naam.get("voornamen"),
            voorvoegsel=naam.get("voorvoegsel"),
            geslachtsnaam=naam["geslachtsnaam"],
            geboortedatum=_full_birth_date(person),
        ),
        address=Address(
            postcode=address["postcode"],
            huisnummer=address["huisnummer"],
            huisletter=address.get("huisletter"),
        ),
        amount=Decimal("640.00"),
        oldest_due_date=date(2026, 9, 1),
        received_at=datetime.now(UTC),
    )
    return SignalReceived(municipality=DEN_HAAG, occurred_at=datetime.now(UTC), signal=signal)


async def test_every_person_of_the_test_population_is_routed_as_the_brp_implies(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    population = load_rvig(RVIG, MUNICIPALITIES)
    people = [p for p in population if _signalable(p)]
    platform = make_platform(
        {"VROEG_BRP_DATA": str(RVIG), "VROEG_BRP_MUNICIPALITIES": str(MUNICIPALITIES)}
    )
    platform.start(["brp-standin", "brp-check"])
    events = [signal_for(p) for p in people]
    expected = {
        str(e.signal.signal_id): expected_route(p, population)
        for e, p in zip(events, people, strict=True)
    }
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), events)

    routed: dict[str, Route] = {}
    for route, route_topic in ROUTE_TOPICS.items():
        wanted = sum(1 for r in expected.values() if r == route)
        for record in await read_topic(
            isolation.kafka,
            isolation.topic(route_topic.name),
            expect=wanted,
            timeout=120,
            settle=0.5,
        ):
            event = decode(record.headers, record.value)
            assert isinstance(event, SignalRouted)
            routed[str(event.signal.signal_id)] = event.route
    wrong = {
        sid: (expected[sid], routed.get(sid))
        for sid in expected
        if routed.get(sid) != expected[sid]
    }
    assert wrong == {}
    assert len(routed) == len(people)
    # Every query the stand-in validated against the official spec was accepted (item 22).
    dead_letters = isolation.topic(dead_letter_topic("brp-check"))
    assert await read_topic(isolation.kafka, dead_letters, expect=0, timeout=1) == []
    counts = Counter(routed.values())
    print(f"\n{len(people)} signals for {DEN_HAAG}:", dict(sorted(counts.items())))
    # The emigrated of the test set have no Dutch address, so none is in this selection.
    assert set(counts) == {
        Route.RESIDENT,
        Route.RELOCATED,
        Route.DECEASED,
        Route.MINOR,
        Route.REVIEW,
    }
