"""A case from its signals (domain §6): priority and its parts (R-MAT-4), the same state
whatever order the signals arrive in, flags (R-MAT-2, R-MAT-6, R-BRP-2/3), the help offer owed
(R-IN-5), and every change told with why (R-MAT-2). Repeats and recidive: test_rules.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from itertools import permutations
from uuid import uuid4

import pytest

from tests.support.cases import LATER, T0, past, sig, state
from vroeg.matcher.rules import MatchedSignal, PriorityPolicy, Repeat, changes, priority, rank
from vroeg.shared.events import (
    CaseChangeKind,
    CaseFlag,
    CaseState,
    CaseStatus,
    OutcomeCategory,
    Priority,
    RepeatKind,
    Route,
    SignalKind,
    VlpType,
)

# R-MAT-4: priority -----------------------------------------------------------------------------


def household_of_three_debts() -> list[MatchedSignal]:
    """Rent (a repeat with a new amount) and water, the oldest claim five months old."""
    rent = sig(amount="412.00", due=date(2026, 1, 10), received=T0)
    water = sig(vlp="waternet", vlp_type=VlpType.DRINKWATER, amount="88.00", received=T0)
    rent_again = sig(amount="600.00", due=date(2026, 1, 10), received=T0 + timedelta(days=10))
    return [rent_again, water, rent]


def scored(signals: list[MatchedSignal], policy: PriorityPolicy) -> Priority:
    return priority(
        signals, minors_present=True, postcode_area="1012", is_recidive=True, policy=policy
    )


def parts_of(found: Priority) -> dict[str, tuple[str, str]]:
    return {p.name: (str(p.measured), str(p.points)) for p in found.parts}


def test_r_mat_4_each_part_of_the_score_is_kept_with_what_it_measured() -> None:
    found = scored(household_of_three_debts(), PriorityPolicy(vulnerable_areas=frozenset({"1012"})))
    assert parts_of(found) == {
        "creditor_types": ("2", "20.00"),
        "total_arrears": ("688.00", "6.88"),  # the rent's latest amount, not both
        "rent_arrears": ("1", "15.00"),
        "minors": ("1", "15.00"),
        "oldest_claim_months": ("5", "10.00"),  # 10 January → 25 June
        "recidive": ("1", "10.00"),
        "vulnerable_area": ("1", "10.00"),
    }
    assert (found.crisis, found.score, found.policy_version) == (False, Decimal("86.88"), 0)


def test_r_mat_4_the_municipality_s_weights_and_areas_make_the_score_and_name_it() -> None:
    policy = PriorityPolicy(
        version=3,
        per_creditor_type=Decimal(5),
        per_100_euro=Decimal(2),
        arrears_cap_euro=Decimal(500),
        rent=Decimal(40),
        minors=Decimal(0),
        per_month_oldest_claim=Decimal(1),
        oldest_claim_cap_months=3,
        recidive=Decimal(25),
        vulnerable_area=Decimal(7),
        vulnerable_areas=frozenset({"1013"}),
    )
    found = scored(household_of_three_debts(), policy)
    assert parts_of(found) == {
        "creditor_types": ("2", "10.00"),
        "total_arrears": ("688.00", "10.00"),  # capped at 500 euro
        "rent_arrears": ("1", "40.00"),
        "minors": ("1", "0.00"),
        "oldest_claim_months": ("5", "3.00"),  # capped at 3 months
        "recidive": ("1", "25.00"),
        "vulnerable_area": ("0", "0.00"),  # 1012 is not on this policy's list
    }
    assert (found.score, found.policy_version) == (Decimal("88.00"), 3)


@pytest.mark.parametrize(
    ("amounts", "total"),
    [
        ([("woonstad", "412.00", 0), ("woonstad", "300.00", 5)], "300.00"),  # latest, not largest
        ([("woonstad", "300.00", 5), ("woonstad", "412.00", 0)], "300.00"),  # whatever the order
        ([("woonstad", "412.00", 0), ("ymere", "300.00", 5)], "712.00"),  # two landlords
    ],
)
def test_r_mat_4_a_repeat_updates_its_debt_s_amount_and_adds_no_second_one(
    amounts: list[tuple[str, str, int]], total: str
) -> None:
    signals = [sig(vlp=v, amount=a, received=T0 + timedelta(days=d)) for v, a, d in amounts]
    found = priority(
        signals,
        minors_present=None,
        postcode_area="1012",
        is_recidive=False,
        policy=PriorityPolicy(),
    )
    assert parts_of(found)["total_arrears"][0] == total


@pytest.mark.parametrize(
    ("kinds", "crisis"),
    [
        ([SignalKind.VROEGSIGNAAL], False),
        ([SignalKind.EINDELEVERING, SignalKind.VROEGSIGNAAL], False),
        ([SignalKind.VROEGSIGNAAL, SignalKind.AFSLUITING], True),
        ([SignalKind.UITHUISZETTING], True),
    ],
)
def test_r_mat_4_a_disconnection_or_eviction_makes_the_case_a_crisis(
    kinds: list[SignalKind], crisis: bool
) -> None:
    signals = [sig(kind=k, vlp=f"vlp{i}") for i, k in enumerate(kinds)]
    assert state(signals).priority.crisis is state(signals).crisis is crisis


def test_r_mat_4_crisis_cases_come_first_then_the_highest_score() -> None:
    def case(crisis: bool, score: str) -> Priority:
        return Priority(crisis=crisis, score=Decimal(score), parts=(), policy_version=0)

    queue = [case(False, "90"), case(True, "10"), case(False, "20"), case(True, "50")]
    assert [(p.crisis, str(p.score)) for p in sorted(queue, key=rank)] == [
        (True, "50"),
        (True, "10"),
        (False, "90"),
        (False, "20"),
    ]


# R-MAT-2, R-MAT-6: the case from its signals ---------------------------------------------------


def test_r_mat_2_the_case_is_the_same_whatever_the_order_its_signals_arrive_in() -> None:
    signals = [
        sig(received=T0 + timedelta(days=2), size=2, minors=False, area="1013"),
        sig(vlp="waternet", vlp_type=VlpType.DRINKWATER, kind=SignalKind.AFSLUITING, received=T0),
        sig(vlp="zk", vlp_type=VlpType.ZORGVERZEKERING, route=Route.DECEASED, due=date(2025, 9, 1)),
        sig(vlp="eneco", vlp_type=VlpType.ENERGIE, business=True, received=T0 + timedelta(days=3)),
        sig(received=T0 + timedelta(days=5), amount="650.00", size=3, minors=True),
    ]
    earlier = [
        sig(
            vlp="zk",
            vlp_type=VlpType.ZORGVERZEKERING,
            due=date(2025, 9, 1),
            received=T0 - timedelta(days=60),
        )
    ]
    others = [past(T0 - timedelta(days=60), outcome=OutcomeCategory.WIL_GEEN_HULP)]
    states = {
        state(order, earlier=earlier, others=others).model_dump_json()
        for order in permutations(signals)
    }
    assert len(states) == 1
    found = state(signals, earlier=earlier, others=others)
    assert found.crisis
    assert found.flags == (CaseFlag.ONDERNEMER, CaseFlag.OVERLEDEN)
    # The first received signal opens it and names its postcode area.
    assert found.postcode_area == "1012"
    assert (found.opened_at, found.first_signal_date, found.last_signal_date) == (
        T0,
        date(2026, 6, 15),
        date(2026, 6, 20),
    )
    # The household as the latest-received signal with BRP facts shows it.
    assert (found.household_size, found.minors_present) == (3, True)
    assert (found.recidive, found.consecutive) == (True, True)
    assert [s.repeat_kind for s in found.signals if s.repeat_kind] == [
        RepeatKind.SAME_DEBT,
        RepeatKind.SAME_OPEN_CASE,
    ]
    assert [s.received_at for s in found.signals] == sorted(s.received_at for s in signals)


@pytest.mark.parametrize(
    ("signal", "flags"),
    [
        (sig(), ()),
        (sig(business=True), (CaseFlag.ONDERNEMER,)),
        (sig(route=Route.DECEASED), (CaseFlag.OVERLEDEN,)),
        (sig(route=Route.MINOR), (CaseFlag.MINDERJARIG,)),
    ],
)
def test_r_mat_6_a_business_name_and_r_brp_2_3_deceased_or_minor_flag_the_case(
    signal: MatchedSignal, flags: tuple[CaseFlag, ...]
) -> None:
    assert state([signal]).flags == flags


def test_r_in_5_a_case_of_repeats_only_owes_no_help_offer() -> None:
    before = sig(received=T0)
    repeat = sig(received=LATER)
    assert state([repeat], earlier=[before]).offer_owed is False
    new_debt = sig(vlp="waternet", vlp_type=VlpType.DRINKWATER, received=LATER)
    assert state([repeat, new_debt], earlier=[before]).offer_owed is True
    assert state([repeat]).offer_owed is True


# R-MAT-2: every change of a case is told, with why ---------------------------------------------

RENT = sig(received=T0)
WATER = sig(vlp="waternet", vlp_type=VlpType.DRINKWATER, received=T0)
LAST_MONTH = past(T0 - timedelta(days=30))
K = CaseChangeKind
CHANGES: dict[str, tuple[Callable[[], tuple[CaseState, CaseState]], set[CaseChangeKind]]] = {
    "joined": (
        lambda: (state([RENT]), state([RENT, WATER])),
        {K.SIGNAL_JOINED, K.PRIORITY_CHANGED},
    ),
    "moved-out": (
        lambda: (state([RENT, WATER]), state([RENT])),
        {K.SIGNAL_MOVED_OUT, K.PRIORITY_CHANGED},
    ),
    "repeated": (
        lambda: (state([RENT]), state([RENT, sig(received=T0 + timedelta(hours=1))])),
        {K.SIGNAL_JOINED, K.SIGNAL_REPEATED},
    ),
    "crisis": (
        lambda: (
            state([RENT]),
            state(
                [RENT, sig(vlp="waternet", vlp_type=VlpType.DRINKWATER, kind=SignalKind.AFSLUITING)]
            ),
        ),
        {K.SIGNAL_JOINED, K.CRISIS_RAISED, K.PRIORITY_CHANGED},
    ),
    "flag": (
        lambda: (state([RENT]), state([RENT, sig(vlp="ymere", route=Route.DECEASED)])),
        {K.SIGNAL_JOINED, K.FLAG_ADDED, K.PRIORITY_CHANGED},
    ),
    "matching-period": (
        lambda: (state([RENT]), state([RENT, sig(vlp="ymere", received=T0 + timedelta(days=5))])),
        {K.SIGNAL_JOINED, K.MATCHING_PERIOD_CHANGED, K.PRIORITY_CHANGED},
    ),
    "opened-at": (
        lambda: (state([RENT]), state([RENT, sig(vlp="ymere", received=T0 - timedelta(hours=1))])),
        {K.SIGNAL_JOINED, K.OPENED_AT_CHANGED, K.PRIORITY_CHANGED},
    ),
    "household": (
        lambda: (
            state([RENT]),
            state([RENT, sig(vlp="ymere", received=T0 + timedelta(hours=1), size=4)]),
        ),
        {K.SIGNAL_JOINED, K.HOUSEHOLD_CHANGED, K.PRIORITY_CHANGED},
    ),
    "recidive": (
        lambda: (state([RENT]), state([RENT], others=[LAST_MONTH])),
        {K.RECIDIVE_CHANGED, K.PRIORITY_CHANGED},
    ),
    "policy": (
        lambda: (state([RENT]), state([RENT], policy=PriorityPolicy(version=1, rent=Decimal(40)))),
        {K.PRIORITY_CHANGED},
    ),
    "offer-owed": (
        lambda: (
            state([RENT]),
            state([RENT], repeats={RENT.signal_id: Repeat(uuid4(), RepeatKind.SAME_DEBT)}),
        ),
        {K.SIGNAL_REPEATED, K.OFFER_OWED_CHANGED},
    ),
    "closed": (lambda: (state([RENT]), state([RENT], status=CaseStatus.CLOSED)), {K.CLOSED}),
    "reopened": (lambda: (state([RENT], status=CaseStatus.CLOSED), state([RENT])), {K.REOPENED}),
}


@pytest.mark.parametrize("name", CHANGES)
def test_r_mat_2_each_change_of_a_case_is_named_with_why(name: str) -> None:
    make, expected = CHANGES[name]
    before, after = make()
    found = changes(before, after.model_copy(update={"version": 2}), why="because")
    assert {c.kind for c in found} == expected
    assert all(c.why.startswith("because: ") and len(c.why) > len("because: ") for c in found)
    joined = {s.signal_id for s in after.signals} - {s.signal_id for s in before.signals}
    assert {c.signal_id for c in found if c.kind is K.SIGNAL_JOINED} == joined


def test_r_mat_2_the_change_table_names_every_kind_of_change() -> None:
    assert set().union(*(kinds for _, kinds in CHANGES.values())) == set(CaseChangeKind)


def test_r_mat_2_a_restatement_that_changes_nothing_announces_nothing() -> None:
    before = state([RENT, WATER], others=[LAST_MONTH])
    after = state([WATER, RENT], version=2, others=[LAST_MONTH])
    assert changes(before, after, why="because") == ()
