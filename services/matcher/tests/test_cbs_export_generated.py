"""The CBS (DDAS) export of a generated month (bench/realistic.py, its ground truth written
beside the signals): every signal brp-check routes is fed to the matcher on its ground-truth
route, and each municipality's delivery validates against VNG's official schema and counts what
the ground truth says — signals, statuses, creditor types, crises, BSNs, cases — per municipality
and for the two together. Review items not yet decided are in no delivery."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from realistic import GeneratedSignal, generate

from tests.support.cases import MatcherUnderTest
from tests.support.ddas import VALIDATOR, export
from vroeg.shared.clock import dutch_date
from vroeg.shared.events import Route, SignalKind, SignalRouted, VlpType
from vroeg.standins.brp.synthetic import build_population

MONTH = date(2026, 11, 1)
PERIOD = {"startdatum": "2026-11-01", "einddatum": "2026-11-30"}
MUNICIPALITIES = ("0363", "0518")
# The ground truth's answers in the schema's words, written out here.
PARTNER = {
    VlpType.HUUR: "Huur",
    VlpType.DRINKWATER: "Water",
    VlpType.ZORGVERZEKERING: "Zorg",
    VlpType.ENERGIE: "Energie",
    VlpType.WARMTE: "Energie",
}
STATUS_OF_ROUTE = {
    Route.DECEASED: "Inwoner is overleden",
    Route.RELOCATED: "Persoon is geen inwoner (meer) in de gemeente",
    Route.EMIGRATED: "Persoon is geen inwoner (meer) in de gemeente",
    Route.LEGAL_PERSON: "Niet opgepakt: andere reden",
    Route.DEBT_HELP: "Nog niet opgepakt",  # no SHV professional has handled it yet
}
CASE_ROUTES = {Route.RESIDENT, Route.MINOR, Route.DECEASED}


def expected(routed: list[tuple[GeneratedSignal, SignalRouted]]) -> dict[str, Any]:
    """What the delivery must say of these signals (nobody has followed any up yet)."""
    in_period = [(g, e) for g, e in routed if dutch_date(e.signal.received_at) >= MONTH]
    statuses: Counter[str] = Counter()
    # R-IN-5 within the month: every case stays open, so a later signal of a household's
    # creditor and arrears type repeats the first (receipt order, then id).
    seen: set[tuple[str, str, str]] = set()
    repeats = set()
    for g, e in sorted(routed, key=lambda p: (p[1].signal.received_at, str(p[1].signal.signal_id))):
        if e.route in CASE_ROUTES:
            debt = (g.truth.household, e.signal.vlp_id, e.signal.arrears_type.value)
            if debt in seen:
                repeats.add(e.signal.signal_id)
            seen.add(debt)
    for _, e in in_period:
        if e.route in STATUS_OF_ROUTE:
            statuses[STATUS_OF_ROUTE[e.route]] += 1
        elif e.signal.signal_id in repeats:
            statuses["Niet opgepakt: herhaalde melding"] += 1
        else:
            statuses["Nog niet opgepakt"] += 1
    # R-MAT-1: one case per household; delivered with the period of its first receipt.
    first_of_household: dict[str, date] = {}
    for g, e in routed:
        if e.route in CASE_ROUTES:
            received = dutch_date(e.signal.received_at)
            first = first_of_household.get(g.truth.household, received)
            first_of_household[g.truth.household] = min(first, received)
    return {
        "signals": len(in_period),
        "statuses": statuses,
        "partners": Counter(PARTNER[e.signal.vlp_type] for _, e in in_period),
        "crisis": sum(
            e.signal.kind in (SignalKind.AFSLUITING, SignalKind.UITHUISZETTING)
            for _, e in in_period
        ),
        "bsns": {e.bsn for _, e in in_period},
        "cases": sum(d >= MONTH for d in first_of_household.values())
        + sum(e.route is Route.DEBT_HELP for _, e in in_period),
    }


@pytest.fixture(scope="module")
async def month(exporter: MatcherUnderTest) -> dict[str, dict[str, Any]]:
    """A generated month of two municipalities fed to the matcher as brp-check routes it; the
    ground truth per municipality."""
    population = build_population(20_000, seed=5, municipalities=",".join(MUNICIPALITIES))
    generated = generate(population, month=MONTH, signals=400, history_months=0, seed=5)
    routed = [(g, g.routed()) for g in generated.signals]
    # Those in the review queue reach the matcher only once a reviewer decided.
    decided = [(g, e) for g, e in routed if e.route is not Route.REVIEW]
    assert len(decided) < len(routed)
    await exporter.route(*(e for _, e in decided))
    for _, event in decided:
        await exporter.handled(event.id)
    await exporter.sent()
    return {
        m: expected([(g, e) for g, e in decided if e.municipality == m]) for m in MUNICIPALITIES
    }


def delivery(exporter: MatcherUnderTest, municipality: str) -> dict[str, Any]:
    response = export(exporter.platform, "cbs-ssc", municipality=municipality, **PERIOD)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    VALIDATOR.validate(document)
    return document


@pytest.mark.parametrize("municipality", MUNICIPALITIES)
async def test_a_generated_month_exported_validates_and_counts_what_the_ground_truth_says(
    exporter: MatcherUnderTest, month: dict[str, dict[str, Any]], municipality: str
) -> None:
    truth = month[municipality]
    [levering] = delivery(exporter, municipality)["leveringen"]
    signals, cases = levering["vroegsignalen"], levering["vroegsignaalzaken"]
    assert len(signals) == truth["signals"]
    assert Counter(s["status"] for s in signals) == truth["statuses"]
    assert Counter(s["signaalpartner"]["type"] for s in signals) == truth["partners"]
    assert sum(s["crisissignaal"] for s in signals) == truth["crisis"]
    assert {s["client"]["Burgerservicenummer"] for s in signals} == truth["bsns"]
    assert len(cases) == truth["cases"]
    assert not any("resultaat" in c or c["contactpogingen"] for c in cases)


async def test_the_municipalities_deliveries_add_up_to_the_generated_month(
    exporter: MatcherUnderTest, month: dict[str, dict[str, Any]]
) -> None:
    deliveries = [delivery(exporter, m)["leveringen"][0] for m in MUNICIPALITIES]
    ids = [s["ID"] for d in deliveries for s in d["vroegsignalen"]]
    assert len(ids) == len(set(ids)) == sum(t["signals"] for t in month.values())
    assert sum(len(d["vroegsignaalzaken"]) for d in deliveries) == sum(
        t["cases"] for t in month.values()
    )
