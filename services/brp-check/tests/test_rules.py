"""Routing rules R-BRP-0 … R-BRP-5 at their edges."""

from __future__ import annotations

from datetime import date

import pytest

from vroeg.brp_check.brp import BrpPerson
from vroeg.brp_check.debt_help import DebtHelpStatus
from vroeg.brp_check.rules import (
    ReviewChoice,
    Undecidable,
    add_months,
    age_on,
    count_minors,
    decide_after_review,
    decide_route,
    known_to_debt_help,
)
from vroeg.shared.events import Route

SIGNAL_DATE = date(2026, 11, 27)


def person(
    *, suspension: str | None = None, municipality: str | None = "0363", born: date | None = None
) -> BrpPerson:
    return BrpPerson("999990019", born or date(1980, 5, 1), suspension, municipality, "1")


def route_of(*candidates: BrpPerson) -> Route:
    return decide_route(candidates, municipality="0363", signal_date=SIGNAL_DATE).route


def test_no_match_goes_to_review() -> None:
    assert route_of() == Route.REVIEW


def test_two_candidates_go_to_review_even_when_one_is_deceased() -> None:
    assert route_of(person(), person(suspension="O")) == Route.REVIEW


def test_a_registered_death_routes_deceased_before_anything_else() -> None:
    assert route_of(person(suspension="O", municipality="0599", born=date(2015, 1, 1))) == (
        Route.DECEASED
    )


def test_emigrated_is_not_resident_and_not_forwarded() -> None:
    decision = decide_route(
        [person(suspension="E", municipality=None)], municipality="0363", signal_date=SIGNAL_DATE
    )
    assert decision.route == Route.EMIGRATED
    assert decision.registered_municipality is None


def test_registered_elsewhere_is_relocated_with_the_new_municipality() -> None:
    decision = decide_route(
        [person(municipality="0599")], municipality="0363", signal_date=SIGNAL_DATE
    )
    assert (decision.route, decision.registered_municipality) == (Route.RELOCATED, "0599")


def test_relocated_takes_precedence_over_minor() -> None:
    assert route_of(person(municipality="0599", born=date(2015, 1, 1))) == Route.RELOCATED


@pytest.mark.parametrize(
    ("born", "route"),
    [
        (date(2008, 11, 27), Route.RESIDENT),  # turns 18 on the signal date
        (date(2008, 11, 28), Route.MINOR),  # turns 18 the day after
        (date(2008, 11, 26), Route.RESIDENT),
    ],
)
def test_minor_is_under_18_on_the_signal_date(born: date, route: Route) -> None:
    assert route_of(person(born=born)) == route


def test_a_non_resident_rni_registration_is_not_resident_and_not_forwarded() -> None:
    decision = decide_route(
        [person(suspension="R", municipality="1999")], municipality="0363", signal_date=SIGNAL_DATE
    )
    assert (decision.route, decision.registered_municipality) == (Route.EMIGRATED, None)


@pytest.mark.parametrize("reason", ["F", "M", "W"])
def test_another_suspension_reason_goes_to_review(reason: str) -> None:
    assert route_of(person(suspension=reason)) == Route.REVIEW


def test_no_municipality_of_registration_goes_to_review() -> None:
    assert route_of(person(municipality=None)) == Route.REVIEW


def test_a_leap_day_birthday_counts_on_the_first_of_march() -> None:
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def test_count_minors_ignores_unknown_birth_dates() -> None:
    assert count_minors([date(2012, 1, 1), None, date(1980, 1, 1)], SIGNAL_DATE) == 1


def test_a_signal_naming_only_a_business_goes_to_review() -> None:
    decision = decide_route([], municipality="0363", signal_date=SIGNAL_DATE, person_named=False)
    assert decision.route == Route.REVIEW
    assert "business name" in decision.reasons[0]


DECIDED = date(2026, 5, 27)  # exactly 6 months before the signal date


@pytest.mark.parametrize(
    ("status", "known"),
    [
        (DebtHelpStatus(active_product=True, final_decision_on=None), True),
        (DebtHelpStatus(active_product=False, final_decision_on=DECIDED), False),
        (DebtHelpStatus(active_product=False, final_decision_on=date(2026, 5, 28)), True),
        (DebtHelpStatus(active_product=False, final_decision_on=None), False),
    ],
    ids=["active-product", "decided-exactly-6-months-ago", "decided-a-day-later", "nothing"],
)
def test_r_brp_4_known_to_debt_help(status: DebtHelpStatus, known: bool) -> None:
    assert known_to_debt_help(status, SIGNAL_DATE) is known
    route = decide_route(
        [person()], municipality="0363", signal_date=SIGNAL_DATE, debt_help=status
    ).route
    assert route == (Route.DEBT_HELP if known else Route.RESIDENT)


def test_debt_help_comes_after_relocated_and_before_minor() -> None:
    active = DebtHelpStatus(active_product=True, final_decision_on=None)
    elsewhere = decide_route(
        [person(municipality="0599")],
        municipality="0363",
        signal_date=SIGNAL_DATE,
        debt_help=active,
    )
    minor = decide_route(
        [person(born=date(2012, 1, 1))],
        municipality="0363",
        signal_date=SIGNAL_DATE,
        debt_help=active,
    )
    assert (elsewhere.route, minor.route) == (Route.RELOCATED, Route.DEBT_HELP)


def test_six_months_on_from_the_end_of_a_month_is_the_end_of_that_month() -> None:
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 5, 27), 6) == date(2026, 11, 27)


def reviewed(
    choice: ReviewChoice, person: BrpPerson | None = None, birth: date | None = None
) -> Route:
    return decide_after_review(
        choice,
        person=person,
        municipality="0363",
        signal_date=SIGNAL_DATE,
        signal_birth_date=birth,
        debt_help=None,
    ).route


def test_a_reviewed_candidate_is_routed_as_any_single_match() -> None:
    assert reviewed(ReviewChoice.CANDIDATE, person()) == Route.RESIDENT
    assert reviewed(ReviewChoice.CANDIDATE, person(municipality="0599")) == Route.RELOCATED
    assert reviewed(ReviewChoice.CANDIDATE, person(suspension="O")) == Route.DECEASED
    assert reviewed(ReviewChoice.CANDIDATE, person(born=date(2008, 11, 28))) == Route.MINOR


def test_a_candidate_whose_record_gives_no_route_is_refused() -> None:
    with pytest.raises(Undecidable):
        reviewed(ReviewChoice.CANDIDATE, person(municipality=None))
    with pytest.raises(Undecidable):
        reviewed(ReviewChoice.CANDIDATE, None)


def test_the_signals_own_data_routes_a_resident_or_a_minor_on_the_signal_date() -> None:
    assert reviewed(ReviewChoice.SIGNAL_DATA) == Route.RESIDENT
    assert reviewed(ReviewChoice.SIGNAL_DATA, birth=date(2008, 11, 27)) == Route.RESIDENT
    assert reviewed(ReviewChoice.SIGNAL_DATA, birth=date(2008, 11, 28)) == Route.MINOR


def test_a_legal_person_is_not_processed_whatever_else_is_known() -> None:
    assert reviewed(ReviewChoice.LEGAL_PERSON, person()) == Route.LEGAL_PERSON
