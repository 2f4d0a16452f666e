"""The realistic generator (bench/realistic.py): deterministic per seed, its mix within the
national figures, every body accepted by intake's own schema and rules, and its ground truth
what brp-check's own client and rules find in the BRP stand-in holding the same population."""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from creditors import TYPE_SHARES
from realistic import Generated, figures, generate

from tests.support.local_http import serving
from vroeg.brp_check.brp import BrpClient, UnsearchableName
from vroeg.brp_check.brp_transport import CircuitBreaker
from vroeg.brp_check.debt_help import DebtHelpStatus
from vroeg.brp_check.network import BrpHttp
from vroeg.brp_check.rules import count_minors, decide_route
from vroeg.intake import rules
from vroeg.intake.schemas import SignalIn
from vroeg.shared.events import Route, VlpType
from vroeg.standins.brp.app import BASE_PATH, create_app
from vroeg.standins.brp.store import PersonStore
from vroeg.standins.brp.synthetic import build_population

MONTH = date(2026, 10, 1)


@pytest.fixture(scope="module")
def generated() -> Generated:
    population = build_population(50_000, seed=3, municipalities="national")
    return generate(population, month=MONTH, signals=2_000, seed=3)


def test_the_same_seed_gives_the_same_signals_and_another_seed_others() -> None:
    population = build_population(4_000, seed=9, municipalities="0363")
    one = generate(population, month=MONTH, signals=150, seed=9)
    again = generate(population, month=MONTH, signals=150, seed=9)
    other = generate(population, month=MONTH, signals=150, seed=10)
    assert [(s.body, s.truth, s.received_at) for s in one.signals] == [
        (s.body, s.truth, s.received_at) for s in again.signals
    ]
    assert [s.body for s in one.signals] != [s.body for s in other.signals]


def test_the_measured_month_follows_the_national_figures(generated: Generated) -> None:
    measured = generated.measured
    mix = figures(measured)
    assert 2_000 <= mix["signals"] <= 2_003
    assert all(s.received_at.date() >= MONTH for s in measured)
    assert mix["multi_signal_households"] == pytest.approx(0.11, abs=0.025)
    assert mix["recidive_households"] == pytest.approx(0.40, abs=0.03)
    assert mix["review"] < 0.10
    assert 0 < mix["namesakes"] < 0.05
    assert 0 < mix["repeats"] < 0.4
    assert 0.003 < mix["crisis"] < 0.03
    for vlp_type, share in TYPE_SHARES.items():
        assert mix["creditor_types"].get(vlp_type.value, 0) == pytest.approx(share, abs=0.03)
    assert set(Route) - {Route.LEGAL_PERSON} <= set(figures(generated.signals)["routes"])
    history = [s for s in generated.signals if not s.truth.measured]
    assert len(history) > 5 * len(measured)  # six months before the measured one


def test_every_body_is_accepted_by_intakes_schema_and_rules(generated: Generated) -> None:
    towns = {t.code for t in generated.population.municipalities}
    references = Counter((s.creditor.id, s.body["vlpReference"]) for s in generated.signals)
    assert max(references.values()) == 1
    for s in generated.signals:
        item = SignalIn.model_validate(s.body)
        today = s.received_at.date()
        assert item.municipality == s.municipality in towns
        rules.check_kind(item.kind, item.arrears_type, s.creditor.type)
        rules.check_dates(item.signal_date, item.oldest_due_date, today)
        refusal = rules.refusal_for(
            kind=item.kind,
            arrears_type=item.arrears_type,
            vlp_type=s.creditor.type,
            business_name=item.business_name,
            surname=item.debtor.geslachtsnaam if item.debtor else None,
            oldest_due_date=item.oldest_due_date,
            signal_date=item.signal_date,
            unpaid_installments=item.unpaid_installments,
            attestations=item.social_collection.given(),
            amount=Decimal(item.amount),
            policy=rules.Policy(),
        )
        assert refusal is None, (s.body["vlpReference"], refusal)
        assert s.truth.crisis == (item.kind.value in ("AFSLUITING", "UITHUISZETTING"))
    types = {c.type for c in generated.creditors}
    assert types == set(VlpType)


async def test_the_ground_truth_is_what_brp_check_finds_in_the_stand_in(
    generated: Generated,
) -> None:
    store = PersonStore(generated.population.records())
    register = {
        (code, r["bsn"]): DebtHelpStatus(
            r["activeProduct"],
            date.fromisoformat(r["finalDecisionOn"]) if "finalDecisionOn" in r else None,
        )
        for code, records in generated.debt_help.items()
        for r in records
    }
    measured = generated.measured
    sample = [s for s in measured if s.truth.route != Route.RESIDENT] + [
        s for s in measured if s.truth.route == Route.RESIDENT
    ][:150]
    async with serving(create_app(store)) as url, BrpHttp(url + BASE_PATH, timeout_s=10) as http:
        brp = BrpClient(http, CircuitBreaker())
        for s in sample:
            signal = s.signal_data()
            try:
                candidates, unsearchable = await brp.find(signal), None
            except UnsearchableName as exc:
                candidates, unsearchable = [], str(exc)
            single = candidates[0] if len(candidates) == 1 else None
            decision = decide_route(
                candidates,
                municipality=s.municipality,
                signal_date=signal.signal_date,
                person_named=signal.debtor is not None,
                unsearchable=unsearchable,
                debt_help=register.get((s.municipality, single.bsn)) if single else None,
            )
            truth = s.truth
            assert decision.route.value == truth.route, truth
            assert truth.namesake == (len(candidates) > 1)
            if single is None:
                continue
            assert single.bsn == truth.bsn
            assert single.address_key == truth.address_key
            if single.address_key:
                births = await brp.residents(single.address_key)
                assert len(births) == truth.household_size
                assert count_minors(births, signal.signal_date) == truth.minors
            routed = s.routed()
            assert routed.route.value == truth.route
            assert routed.household is None or routed.household.address_key == truth.address_key
