"""BRP queries the official spec accepts (issue 8, item 22), end to end: brp-check against the
stand-in, which validates every query against the spec's schema and media type.

A debtor's name the BRP's query patterns refuse is normalised where the spec allows, and
otherwise goes to review with a reason (R-BRP-5); it never becomes a 400, a retry and a dead
letter. A `*` or `?` of a creditor never reaches the BRP as a wildcard search.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_events, read_topic
from tests.support.signals import jansen_signal
from vroeg.brp_check.brp import UnsearchableName, brp_prefix, brp_surname
from vroeg.shared.events import Address, Person, Route, SignalReceived, SignalRouted
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED, dead_letter_topic
from vroeg.standins.brp.population import AMSTERDAM, demo_population, person

SURNAME_REFUSED = "R-BRP-5: the debtor's surname has characters the BRP cannot be searched with"
PREFIX_REFUSED = "R-BRP-5: the debtor's prefix has characters the BRP cannot be searched with"
JANSEN_BORN = date(1980, 5, 1)  # Piet Jansen of the demo population, resident of 0363


def population() -> list[dict[str, object]]:
    """The demo population and three residents of 0363 whose names need the BRP's spelling."""
    extra = [
        # The BRP's character set writes the Romanian Ș with a cedilla: Ş (U+015E).
        ("999990800", "Ana", None, "Ştefănescu", date(1975, 3, 3), "0363010000000800"),
        ("999990801", "Kees", "van der", "Berg", date(1960, 6, 6), "0363010000000801"),
        ("999990802", "Ravi", None, "D'Souza", date(1988, 8, 8), "0363010000000802"),
    ]
    return [
        *demo_population(),
        *(
            person(
                bsn=bsn,
                voornamen=first,
                voorvoegsel=prefix,
                geslachtsnaam=surname,
                geboortedatum=born,
                gemeente=AMSTERDAM,
                postcode="1013AA",
                huisnummer=int(bsn[-3:]),
                address_key=key,
            )
            for bsn, first, prefix, surname, born, key in extra
        ),
    ]


def received(surname: str, born: date | None, prefix: str | None = None) -> SignalReceived:
    signal = jansen_signal().model_copy(
        update={
            "debtor": Person(voorvoegsel=prefix, geslachtsnaam=surname, geboortedatum=born),
            "address": Address(postcode="1012AB", huisnummer=1),
        }
    )
    return SignalReceived(municipality="0363", occurred_at=datetime.now(UTC), signal=signal)


# (surname, birth date, prefix) → the route, and the reason when it is review.
CASES: list[tuple[tuple[str, date | None, str | None], Route, str | None]] = [
    (("Jansen (geb. de Vries)", JANSEN_BORN, None), Route.REVIEW, SURNAME_REFUSED),
    (("Jansen (geb. de Vries)", None, None), Route.REVIEW, SURNAME_REFUSED),  # by address
    (("Smith/Jones", JANSEN_BORN, None), Route.REVIEW, SURNAME_REFUSED),
    (("Jans*", JANSEN_BORN, None), Route.REVIEW, SURNAME_REFUSED),  # never a wildcard
    (("Jan?sen", JANSEN_BORN, None), Route.REVIEW, SURNAME_REFUSED),
    (("Jansen", JANSEN_BORN, "v/d"), Route.REVIEW, PREFIX_REFUSED),
    (("Ștefănescu", date(1975, 3, 3), None), Route.RESIDENT, None),  # Ș → Ş
    (("Berg", date(1960, 6, 6), "van-der"), Route.RESIDENT, None),  # → "van der"
    (("D\u2019Souza", date(1988, 8, 8), None), Route.RESIDENT, None),  # ’ → '
]


async def test_names_the_brp_refuses_are_routed_never_dead_lettered(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    data = tmp_path / "population.json"
    data.write_text(json.dumps(population()))
    platform = make_platform({"VROEG_BRP_DATA": str(data)})
    platform.start(["brp-standin", "brp-check"])
    events = [received(*query) for query, _, _ in CASES]
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), events)

    routed: dict[object, SignalRouted] = {}
    for route in (Route.REVIEW, Route.RESIDENT):
        expect = sum(1 for _, r, _ in CASES if r is route)
        found = await read_events(
            isolation.kafka, isolation.topic(ROUTE_TOPICS[route].name), expect=expect, timeout=90
        )
        routed.update({e.signal.signal_id: e for e in found if isinstance(e, SignalRouted)})
    for event, (query, route, reason) in zip(events, CASES, strict=True):
        got = routed.get(event.signal.signal_id)
        assert got is not None, f"{query} was not routed"
        assert got.route is route, (query, got.reasons)
        if reason is not None:
            assert got.reasons == (reason,), query
    parked = await read_topic(
        isolation.kafka, isolation.topic(dead_letter_topic("brp-check")), expect=0, timeout=2
    )
    assert parked == []


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        ("Ștefănescu", "Ştefănescu"),
        ("Ste\u0301phane", "Stéphane"),  # a combining accent composed
        ("O\u2019Brien", "O'Brien"),
        ("Smit\u2013Jansen", "Smit-Jansen"),
    ],
)
def test_a_surname_is_sent_in_the_brps_spelling(given: str, sent: str) -> None:
    assert brp_surname(given) == sent


@pytest.mark.parametrize("given", ["Jans*", "Jan?sen", "Smith/Jones", "Jansen (geb. de Vries)"])
def test_a_surname_off_the_brps_pattern_is_not_searched(given: str) -> None:
    with pytest.raises(UnsearchableName):
        brp_surname(given)


def test_a_prefix_is_sent_in_the_brps_spelling() -> None:
    assert brp_prefix("van-der") == "van der"
    assert brp_prefix("d\u2019") == "d'"
    for refused in ("v/d", "van der van den"):  # a sign, or longer than the BRP's 10
        with pytest.raises(UnsearchableName):
            brp_prefix(refused)
