"""What a creditor may hear per route (domain §8)."""

from __future__ import annotations

from vroeg.feedback.rules import FeedbackType, feedback_for_route
from vroeg.shared.events import RefusalReason, Route


def test_relocated_and_emigrated_both_hear_only_niet_woonachtig() -> None:
    assert feedback_for_route(Route.RELOCATED) == (FeedbackType.NIET_WOONACHTIG, None)
    assert feedback_for_route(Route.EMIGRATED) == (FeedbackType.NIET_WOONACHTIG, None)


def test_deceased_and_debt_help_have_their_own_feedback() -> None:
    assert feedback_for_route(Route.DECEASED) == (FeedbackType.OVERLEDEN, None)
    assert feedback_for_route(Route.DEBT_HELP) == (FeedbackType.BEKEND_BIJ_SHV, None)


def test_a_legal_person_found_in_review_is_not_picked_up_with_the_intake_reason() -> None:
    assert feedback_for_route(Route.LEGAL_PERSON) == (
        FeedbackType.NIET_OPGEPAKT,
        RefusalReason.RECHTSPERSOON,
    )


def test_residents_minors_and_review_give_no_feedback_yet() -> None:
    assert {feedback_for_route(r) for r in (Route.RESIDENT, Route.MINOR, Route.REVIEW)} == {None}


def test_the_closed_set_has_no_type_that_could_carry_contact_outcomes() -> None:
    assert {t.value for t in FeedbackType} == {
        "BEKEND_BIJ_SHV",
        "NIET_OPGEPAKT",
        "OVERLEDEN",
        "NIET_WOONACHTIG",
        "HULP_GEACCEPTEERD",
        "WIL_GEEN_HULP",
    }
