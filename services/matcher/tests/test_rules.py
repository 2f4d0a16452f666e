"""The matcher's rules (domain §6): household keys, flags and crisis (R-MAT-1, R-BRP-2/3),
repeats (R-IN-5) and recidive (R-MAT-3). The case they make: test_case_rules.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import permutations

import pytest

from tests.support.cases import LATER, T0, past, sig, state
from vroeg.matcher.rules import (
    MatchedSignal,
    Recidive,
    Repeat,
    find_repeats,
    flags_for,
    household_key,
    is_crisis,
    recidive,
)
from vroeg.shared.clock import add_months
from vroeg.shared.events import (
    Address,
    ArrearsType,
    CaseFlag,
    CaseStatus,
    EarlierCase,
    Household,
    OutcomeCategory,
    OutcomeDetail,
    RepeatKind,
    Route,
    ScorePart,
    SignalKind,
    VlpType,
)


def test_the_brp_addressable_object_is_the_household_key_where_known() -> None:
    address = Address(postcode="1012AB", huisnummer=1)
    household = Household(address_key="0363010000000001", size=2, minors_present=True)
    assert household_key(address, household) == "aoid:0363010000000001"


def test_without_the_brp_the_address_is_normalised() -> None:
    a = Address(postcode="1012AB", huisnummer=1, huisletter="a", toevoeging="2 h")
    b = Address(postcode="1012AB", huisnummer=1, huisletter="A", toevoeging="2H")
    assert household_key(a, None) == household_key(b, None) == "adres:1012AB-1-A-2H"


def test_different_house_numbers_are_different_households() -> None:
    assert household_key(Address(postcode="1012AB", huisnummer=1), None) != household_key(
        Address(postcode="1012AB", huisnummer=11), None
    )


def test_deceased_and_minor_routes_flag_the_case() -> None:
    assert flags_for(Route.DECEASED) == (CaseFlag.OVERLEDEN,)
    assert flags_for(Route.MINOR) == (CaseFlag.MINDERJARIG,)
    assert flags_for(Route.RESIDENT) == ()


def test_disconnection_and_eviction_are_crises_and_arrears_are_not() -> None:
    assert is_crisis([SignalKind.VROEGSIGNAAL, SignalKind.UITHUISZETTING])
    assert is_crisis([SignalKind.AFSLUITING])
    assert not is_crisis([SignalKind.VROEGSIGNAAL, SignalKind.EINDELEVERING])


def test_r_mat_1_an_address_without_letter_or_addition_keys_on_postcode_and_number() -> None:
    assert household_key(Address(postcode="1012AB", huisnummer=1), None) == "adres:1012AB-1--"


def test_r_mat_1_the_key_normalises_the_postcode_whatever_it_is_given() -> None:
    # The event type admits only "1012AB"; the key must not depend on that to normalise.
    unchecked = Address.model_construct(postcode="1012 ab", huisnummer=1)
    assert household_key(unchecked, None) == "adres:1012AB-1--"


# R-IN-5: repeats -------------------------------------------------------------------------------


def test_r_in_5_in_the_case_a_later_signal_on_the_same_debt_repeats_the_earliest_received() -> None:
    first = sig(received=T0)
    second = sig(received=T0 + timedelta(days=10), amount="500.00")
    third = sig(received=T0 + timedelta(days=20), amount="600.00")
    other_arrears = sig(vlp="eneco", vlp_type=VlpType.ENERGIE, arrears=ArrearsType.GAS)
    same_vlp_other_arrears = sig(
        vlp="eneco", vlp_type=VlpType.ENERGIE, received=T0 + timedelta(days=1)
    )
    other_vlp = sig(vlp="ymere", received=T0 + timedelta(days=2))
    found = find_repeats([third, other_vlp, second, same_vlp_other_arrears, first, other_arrears])
    assert found == {
        second.signal_id: Repeat(first.signal_id, RepeatKind.SAME_OPEN_CASE),
        third.signal_id: Repeat(first.signal_id, RepeatKind.SAME_OPEN_CASE),
    }


@pytest.mark.parametrize(
    ("earlier", "repeat"),
    [
        pytest.param(sig(received=LATER - timedelta(days=90)), True, id="3-months-before"),
        pytest.param(sig(received=T0), True, id="exactly-6-months-before"),
        pytest.param(sig(received=T0 - timedelta(days=1)), False, id="6-months-and-a-day"),
        pytest.param(sig(received=T0, bsn="999990020"), False, id="another-person"),
        pytest.param(sig(received=T0, bsn=None), True, id="no-bsn-same-household"),
        pytest.param(sig(received=T0, due=date(2026, 2, 1)), False, id="another-due-date"),
        pytest.param(sig(received=T0, vlp="ymere"), False, id="another-creditor"),
        pytest.param(
            sig(received=T0, vlp_type=VlpType.DRINKWATER, vlp="woonstad"),
            False,
            id="another-arrears-type",
        ),
        pytest.param(sig(received=LATER + timedelta(seconds=1)), False, id="received-after"),
    ],
)
def test_r_in_5_the_same_debt_within_6_months_in_an_earlier_case_is_a_repeat(
    earlier: MatchedSignal, repeat: bool
) -> None:
    signal = sig(received=LATER)
    expected = {signal.signal_id: Repeat(earlier.signal_id, RepeatKind.SAME_DEBT)}
    assert find_repeats([signal], [earlier]) == (expected if repeat else {})


def test_r_in_5_the_same_debt_repeats_the_earliest_of_the_earlier_signals() -> None:
    signal = sig(received=LATER)
    oldest = sig(received=T0 + timedelta(days=1))
    newer = sig(received=T0 + timedelta(days=40))
    [found] = find_repeats([signal], [newer, oldest]).values()
    assert found == Repeat(oldest.signal_id, RepeatKind.SAME_DEBT)


def test_r_in_5_a_later_signal_of_the_case_repeats_its_first_even_when_that_one_repeats() -> None:
    before = sig(received=T0)
    first, second = sig(received=LATER), sig(received=LATER + timedelta(days=3))
    assert find_repeats([second, first], [before]) == {
        first.signal_id: Repeat(before.signal_id, RepeatKind.SAME_DEBT),
        second.signal_id: Repeat(first.signal_id, RepeatKind.SAME_OPEN_CASE),
    }


def test_r_in_5_repeats_are_the_same_whatever_the_order_signals_arrive_in() -> None:
    case = [
        sig(received=LATER + timedelta(days=d), vlp=v, vlp_type=t)
        for d, v, t in [
            (0, "woonstad", VlpType.HUUR),
            (2, "waternet", VlpType.DRINKWATER),
            (5, "woonstad", VlpType.HUUR),
            (9, "waternet", VlpType.DRINKWATER),
        ]
    ]
    earlier = [sig(received=T0 + timedelta(days=d)) for d in (3, 30)]
    results = [
        find_repeats(list(order), list(past))
        for order in permutations(case)
        for past in permutations(earlier)
    ]
    assert all(r == results[0] for r in results)
    assert len(results[0]) == 3


# R-MAT-3: recidive and consecutive -------------------------------------------------------------


OPENED = datetime(2026, 8, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "is_recidive", "consecutive"),
    [
        (OPENED - timedelta(days=1), True, True),
        (datetime(2026, 6, 30, 12, 0, tzinfo=UTC), True, True),  # 2 months (June has 30 days)
        (datetime(2026, 6, 30, 11, 59, tzinfo=UTC), True, False),
        (datetime(2026, 2, 28, 12, 0, tzinfo=UTC), True, False),  # 6 months (no 31 February)
        (datetime(2026, 2, 28, 11, 59, tzinfo=UTC), False, False),
        (OPENED, False, False),  # not before this case opened
        (OPENED + timedelta(days=1), False, False),  # a later case
    ],
)
def test_r_mat_3_recidive_within_6_months_consecutive_within_2(
    received: datetime, is_recidive: bool, consecutive: bool
) -> None:
    found = recidive(OPENED, [past(received, outcome=OutcomeCategory.WIL_HULP)])
    assert (found.recidive, found.consecutive) == (is_recidive, consecutive)
    assert (found.previous is not None) == is_recidive


def test_r_mat_3_the_previous_case_is_the_latest_earlier_signals_with_its_outcome() -> None:
    spring = past(OPENED - timedelta(days=150), outcome=OutcomeCategory.WIL_HULP)
    summer = past(
        OPENED - timedelta(days=170),
        OPENED - timedelta(days=80),
        outcome=OutcomeCategory.NIET_BEREIKT,
    )
    later = past(OPENED + timedelta(days=2))
    found = recidive(OPENED, [later, summer, spring])
    assert found == Recidive(
        recidive=True,
        consecutive=False,
        previous=EarlierCase(
            case_id=summer.case_id,
            last_received_at=OPENED - timedelta(days=80),
            status=CaseStatus.CLOSED,
            outcome=OutcomeCategory.NIET_BEREIKT,
            outcome_detail=OutcomeDetail.QUICK_FIX,
        ),
    )


def test_r_mat_3_the_case_s_own_signals_never_make_it_recidive() -> None:
    months = [sig(received=add_months(OPENED, m), vlp=f"vlp{m}") for m in range(4)]
    restated = state(months, others=[past(add_months(OPENED, 5))])
    assert (restated.recidive, restated.consecutive, restated.previous_case) == (False, False, None)
    assert restated.priority.parts[5] == ScorePart(
        name="recidive", measured=Decimal(0), points=Decimal("0.00")
    )
