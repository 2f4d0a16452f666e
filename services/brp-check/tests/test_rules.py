"""Routing rules R-BRP-0 … R-BRP-5 at their edges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vroeg.brp_check.brp import BrpPerson
from vroeg.brp_check.debt_help import DebtHelpStatus
from vroeg.brp_check.rules import (
    Decision,
    ReviewChoice,
    Undecidable,
    age_on,
    count_minors,
    crisis_first_contact_due,
    decide_after_review,
    decide_route,
    is_crisis,
    known_to_debt_help,
)
from vroeg.shared.calendar import DECREED_DAYS_OFF
from vroeg.shared.clock import add_months
from vroeg.shared.events import DebtHelpStanding, Route, SignalKind

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


# The reasons travel in SignalRouted and are shown to reviewers: each names its rule.
@pytest.mark.parametrize(
    ("candidates", "debt_help", "route", "reasons"),
    [
        ((), None, Route.REVIEW, ("R-BRP-5: no person found in the BRP",)),
        ((person(), person()), None, Route.REVIEW, ("R-BRP-5: 2 candidates in the BRP",)),
        ((person(suspension="O"),), None, Route.DECEASED, ("R-BRP-2: death registered",)),
        (
            (person(suspension="E"),),
            None,
            Route.EMIGRATED,
            ("registration suspended for emigration",),
        ),
        ((person(suspension="R"),), None, Route.EMIGRATED, ("registered as a non-resident (RNI)",)),
        (
            (person(suspension="F"),),
            None,
            Route.REVIEW,
            ("R-BRP-5: registration suspended (F)",),
        ),
        (
            (person(municipality=None),),
            None,
            Route.REVIEW,
            ("R-BRP-5: no municipality of registration",),
        ),
        (
            (person(municipality="0599"),),
            None,
            Route.RELOCATED,
            ("R-BRP-1: registered in municipality 0599",),
        ),
        (
            (person(),),
            DebtHelpStatus(active_product=True, final_decision_on=None),
            Route.DEBT_HELP,
            ("R-BRP-4: known to debt help",),
        ),
        (
            (person(born=date(2009, 3, 3)),),
            None,
            Route.MINOR,
            ("R-BRP-3: under 18 on the signal date",),
        ),
        (
            (person(),),
            None,
            Route.RESIDENT,
            ("registered at an address in this municipality",),
        ),
    ],
)
def test_each_route_names_its_rule_in_its_reasons(
    candidates: tuple[BrpPerson, ...],
    debt_help: DebtHelpStatus | None,
    route: Route,
    reasons: tuple[str, ...],
) -> None:
    decision = decide_route(
        candidates, municipality="0363", signal_date=SIGNAL_DATE, debt_help=debt_help
    )
    assert (decision.route, decision.reasons) == (route, reasons)


def test_r_brp_5_a_business_name_alone_is_reviewed_with_its_reason() -> None:
    decision = decide_route(
        [person()], municipality="0363", signal_date=SIGNAL_DATE, person_named=False
    )
    assert decision.reasons == ("R-BRP-5: only a business name, no person to look up",)


def test_r_brp_5_a_name_the_brp_cannot_be_asked_for_is_reviewed_with_why() -> None:
    # Item 22: whatever else is known, the name never reached the BRP.
    why = "R-BRP-5: the debtor's surname has characters the BRP cannot be searched with"
    decision = decide_route(
        [person()], municipality="0363", signal_date=SIGNAL_DATE, unsearchable=why
    )
    assert decision == Decision(Route.REVIEW, (why,))


def test_r_brp_5_a_reviewers_decision_names_the_review_and_the_rule() -> None:
    legal = decide_after_review(
        ReviewChoice.LEGAL_PERSON,
        person=None,
        municipality="0363",
        signal_date=SIGNAL_DATE,
        signal_birth_date=None,
    )
    assert legal.reasons == ("R-BRP-5: reviewer marked a legal person (R-IN-3)",)
    moved = decide_after_review(
        ReviewChoice.CANDIDATE,
        person=person(municipality="0599"),
        municipality="0363",
        signal_date=SIGNAL_DATE,
        signal_birth_date=None,
    )
    assert moved == Decision(
        Route.RELOCATED,
        ("R-BRP-5: reviewer chose a BRP candidate", "R-BRP-1: registered in municipality 0599"),
        "0599",
        bsn="999990019",
    )
    own = "R-BRP-5: reviewer confirmed the signal's own data"
    minor = decide_after_review(
        ReviewChoice.SIGNAL_DATA,
        person=None,
        municipality="0363",
        signal_date=SIGNAL_DATE,
        signal_birth_date=date(2009, 3, 3),
    )
    assert minor.reasons == (own, "R-BRP-3: under 18 on the signal date")
    resident = decide_after_review(
        ReviewChoice.SIGNAL_DATA,
        person=None,
        municipality="0363",
        signal_date=SIGNAL_DATE,
        signal_birth_date=date(1980, 5, 1),
    )
    assert resident.reasons == (own, "at the signal's address in this municipality")


def test_r_brp_4_a_reviewed_candidate_known_to_debt_help_goes_to_debt_help() -> None:
    decision = decide_after_review(
        ReviewChoice.CANDIDATE,
        person=person(),
        municipality="0363",
        signal_date=SIGNAL_DATE,
        signal_birth_date=None,
        debt_help=DebtHelpStatus(active_product=True, final_decision_on=None),
    )
    assert decision.route == Route.DEBT_HELP


def test_a_candidate_without_a_route_or_without_a_person_says_why() -> None:
    with pytest.raises(Undecidable, match=r"^no BRP person chosen$"):
        decide_after_review(
            ReviewChoice.CANDIDATE,
            person=None,
            municipality="0363",
            signal_date=SIGNAL_DATE,
            signal_birth_date=None,
        )
    with pytest.raises(Undecidable, match=r"^R-BRP-5: no municipality of registration$"):
        decide_after_review(
            ReviewChoice.CANDIDATE,
            person=person(municipality=None),
            municipality="0363",
            signal_date=SIGNAL_DATE,
            signal_birth_date=None,
        )


def test_r_brp_3_eighteen_on_the_signal_date_is_an_adult() -> None:
    eighteen_today = date(SIGNAL_DATE.year - 18, SIGNAL_DATE.month, SIGNAL_DATE.day)
    assert count_minors([eighteen_today, eighteen_today.replace(day=28)], SIGNAL_DATE) == 1


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # over the year's end
        (date(2026, 1, 15), 12, date(2027, 1, 15)),  # twelve months is the next year
        (date(2026, 1, 15), 23, date(2027, 12, 15)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),  # a 30-day month
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # leap year: 29 days
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
    ],
)
def test_r_brp_4_adding_months_keeps_the_day_or_takes_the_months_last(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected


def test_a_single_match_names_the_persons_bsn_and_no_match_none() -> None:
    assert decide_route([person()], municipality="0363", signal_date=SIGNAL_DATE).bsn == (
        "999990019"
    )
    assert decide_route([], municipality="0363", signal_date=SIGNAL_DATE).bsn is None
    two = [person(), person()]
    assert decide_route(two, municipality="0363", signal_date=SIGNAL_DATE).bsn is None


@pytest.mark.parametrize(
    ("status", "standing"),
    [
        (DebtHelpStatus(active_product=True, final_decision_on=None), DebtHelpStanding.ACTIVE),
        (
            DebtHelpStatus(active_product=False, final_decision_on=date(2026, 9, 1)),
            DebtHelpStanding.RECENT_DECISION,
        ),
    ],
)
def test_r_brp_4_the_debt_help_route_says_whether_a_or_b_applies(
    status: DebtHelpStatus, standing: DebtHelpStanding
) -> None:
    decision = decide_route(
        [person()], municipality="0363", signal_date=SIGNAL_DATE, debt_help=status
    )
    assert (decision.route, decision.debt_help) == (Route.DEBT_HELP, standing)


@pytest.mark.parametrize(
    ("kind", "crisis"),
    [
        (SignalKind.AFSLUITING, True),
        (SignalKind.UITHUISZETTING, True),
        (SignalKind.VROEGSIGNAAL, False),
        (SignalKind.EINDELEVERING, False),
        (SignalKind.CAK_WANBETALER, False),
    ],
)
def test_r_fu_1_disconnections_and_evictions_are_crisis_items(
    kind: SignalKind, crisis: bool
) -> None:
    assert is_crisis(kind) is crisis


@pytest.mark.parametrize(
    ("received_at", "due"),
    [
        # Friday afternoon: Monday, Tuesday, Wednesday.
        (datetime(2026, 11, 27, 15, tzinfo=UTC), date(2026, 12, 2)),
        # Thursday 23:30 UTC is Friday in the Netherlands: the Dutch date counts.
        (datetime(2026, 11, 26, 23, 30, tzinfo=UTC), date(2026, 12, 2)),
        # Thursday 22:30 UTC in winter is still Thursday 23:30 in the Netherlands.
        (datetime(2026, 11, 26, 22, 30, tzinfo=UTC), date(2026, 12, 1)),
        # Wednesday 13 May 2026: Ascension Day and the decreed Friday skipped.
        (datetime(2026, 5, 13, 9, tzinfo=UTC), date(2026, 5, 20)),
        # Wednesday 23 December 2026: Christmas and Boxing Day skipped.
        (datetime(2026, 12, 23, 9, tzinfo=UTC), date(2026, 12, 29)),
    ],
)
def test_r_fu_1_a_crisis_item_is_due_3_working_days_after_its_dutch_receipt_date(
    received_at: datetime, due: date
) -> None:
    assert crisis_first_contact_due(received_at, DECREED_DAYS_OFF) == due
