"""The CBS export's vocabulary and document (domain §9) against VNG's official DDAS schema:
every value of the platform's enumerations is mapped, to a value the schema allows, and a
document using each of them validates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from vroeg.matcher import ddas
from vroeg.shared.events import ContactKind, OutcomeDetail, PartOfDay, Route, SignalKind, VlpType

REF = Path(__file__).resolve().parents[3] / "../shared/ref/ddas-vroegsignalering-v0.9"
SCHEMA = json.loads((REF / "json_schema_Uitwisselmodel.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())


def allowed(enum: str) -> set[str]:
    return set(SCHEMA["$defs"][enum]["enum"])


@pytest.mark.parametrize(
    ("mapping", "ours", "theirs"),
    [
        (ddas.SIGNAALSTATUS, ddas.SignalStatus, "EnumSignaalstatus"),
        (ddas.SIGNAALPARTNER, VlpType, "EnumSignaalpartner"),
        (ddas.CONTACTSOORT, ContactKind, "EnumContactsoort"),
        (ddas.DAGDEEL, PartOfDay, "EnumDagdeel"),
        (ddas.EINDRESULTAAT, OutcomeDetail, "EnumEindresultaat"),
    ],
)
def test_every_value_is_mapped_to_one_the_official_schema_allows(
    mapping: Mapping[Any, str], ours: type[Enum], theirs: str
) -> None:
    assert set(mapping) == set(ours)
    assert set(mapping.values()) <= allowed(theirs)


def test_contact_kinds_map_one_to_one_and_heat_is_energy() -> None:
    # R-FU-2: the CBS export's EnumContactsoort one to one; domain §9: WARMTE → Energie.
    assert set(ddas.CONTACTSOORT.values()) == allowed("EnumContactsoort")
    assert ddas.SIGNAALPARTNER[VlpType.WARMTE] == "Energie"
    assert ddas.EINDRESULTAAT[OutcomeDetail.QUICK_FIX] == "(Budget)advies en/of quick fix"


@pytest.mark.parametrize(
    ("route", "repeat", "taken_up", "status"),
    [
        (Route.RESIDENT, False, False, ddas.SignalStatus.NOG_NIET_OPGEPAKT),
        (Route.RESIDENT, False, True, None),
        (Route.MINOR, True, True, ddas.SignalStatus.HERHAALDE_MELDING),
        (Route.DECEASED, True, False, ddas.SignalStatus.OVERLEDEN),
        (Route.RELOCATED, False, False, ddas.SignalStatus.GEEN_INWONER),
        (Route.EMIGRATED, False, False, ddas.SignalStatus.GEEN_INWONER),
        (Route.LEGAL_PERSON, False, False, ddas.SignalStatus.ANDERE_REDEN),
        (Route.DEBT_HELP, False, False, ddas.SignalStatus.NOG_NIET_OPGEPAKT),
        (Route.DEBT_HELP, False, True, None),
    ],
)
def test_a_signal_status_says_first_what_the_route_says_of_the_person_then_a_repeat(
    route: Route, repeat: bool, taken_up: bool, status: ddas.SignalStatus | None
) -> None:
    assert ddas.signal_status(route, repeat=repeat, taken_up=taken_up) == status


def test_the_client_block_takes_initials_the_bsn_and_the_address_and_leaves_out_the_unknown() -> (
    None
):
    data = {
        "debtor": {
            "voornamen": "jan  Pieter",
            "voorvoegsel": "van",
            "geslachtsnaam": "Dijk",
            "geboortedatum": "1985-06-15",
        },
        "address": {
            "straat": "Voorbeeldstraat",
            "huisnummer": 10,
            "huisletter": "A",
            "toevoeging": "2",
            "postcode": "1234AB",
            "woonplaats": "Voorbeeldstad",
        },
    }
    assert ddas.client("123456782", data) == {
        "Burgerservicenummer": "123456782",
        "Voorletters": "J.P.",
        "Voorvoegsel": "van",
        "Achternaam": "Dijk",
        "Geboortedatum": "1985-06-15",
        "Straatnaam": "Voorbeeldstraat",
        "Postcode": "1234AB",
        "Huisnummer": "10",
        "Huisnummertoevoeging": "A-2",
        "Plaatsnaam": "Voorbeeldstad",
    }
    # Erased (R-MAT-5): nothing personal is left to deliver.
    assert ddas.client(None, None) == {}


def test_amounts_are_whole_euros_half_up() -> None:
    assert [ddas.whole_euros(Decimal(a)) for a in ("412.49", "412.50", "0.00")] == [412, 413, 0]


def test_the_official_examples_validate_and_a_broken_one_does_not() -> None:
    for example in ("enkelvoudigVoorbeeld.json", "meervoudigVoorbeeld.json"):
        VALIDATOR.validate(json.loads((REF / example).read_text()))
    broken = json.loads((REF / "enkelvoudigVoorbeeld.json").read_text())
    broken["leveringen"][0]["vroegsignalen"][0]["signaalpartner"]["type"] = "Warmte"
    assert not VALIDATOR.is_valid(broken)


def test_a_document_with_every_value_validates_against_the_official_schema() -> None:
    signals = [
        ddas.Signal(
            signal_id=uuid4(),
            vlp_type=vlp_type,
            kind=SignalKind.AFSLUITING if i % 2 else SignalKind.VROEGSIGNAAL,
            amount=Decimal("412.50"),
            signal_date=date(2026, 6, 1 + i),
            oldest_due_date=date(2026, 4, 1),
            status=status,
            bsn="123456782",
            data={"debtor": {"geslachtsnaam": "Dijk"}, "address": {"postcode": "1234AB"}},
        )
        for i, (vlp_type, status) in enumerate(
            zip(
                list(VlpType) * 2,
                [*ddas.SignalStatus, None, None, None, None],
                strict=True,
            )
        )
    ]
    attempts = tuple(
        ddas.Attempt(uuid4(), kind, date(2026, 6, 3), part, reached=i % 2 == 0)
        for i, (kind, part) in enumerate(
            zip(ContactKind, [*PartOfDay, None, *PartOfDay, None], strict=True)
        )
    )
    cases = [
        ddas.Case(
            signal_ids=(signals[i % len(signals)].signal_id,),
            outcome=detail,
            matched_on=date(2026, 6, 2),
            first_signal_date=date(2026, 6, 1),
            last_signal_date=date(2026, 6, 9),
            picked_up_on=date(2026, 6, 3) if i % 2 else None,
            attempts=attempts,
        )
        for i, detail in enumerate([*OutcomeDetail, None])
    ]
    document = ddas.document(
        municipality="0363",
        start=date(2026, 6, 1),
        end=date(2026, 6, 30),
        delivered_at=datetime(2026, 7, 2, 9, 30, tzinfo=UTC),
        supplier=ddas.Supplier("VROEG", "Gemeente Amsterdam", "12345678"),
        signals=signals,
        cases=cases,
    )
    VALIDATOR.validate(document)
    [levering] = document["leveringen"]
    assert len(levering["vroegsignalen"]) == len(signals)
    assert {s.get("status") for s in levering["vroegsignalen"]} == {
        *ddas.SIGNAALSTATUS.values(),
        None,
    }
    assert {c.get("resultaat") for c in levering["vroegsignaalzaken"]} == {
        *ddas.EINDRESULTAAT.values(),
        None,
    }
    assert document["aanleverdatumEnTijd"] == "2026-07-02T09:30:00Z"
