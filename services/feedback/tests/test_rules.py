"""What a creditor may hear, and when (domain §8, R-FB; R-BRP-1, R-BRP-4, R-FU-4, R-FU-5)."""

from __future__ import annotations

from datetime import date

import pytest

from vroeg.feedback.rules import (
    FeedbackType,
    NotTakenUpReason,
    Told,
    feedback_for_forwarding,
    feedback_for_outcome,
    feedback_for_refusal,
    feedback_for_repeat,
    feedback_for_route,
    feedback_relayed,
    is_final,
)
from vroeg.shared.events import DebtHelpStanding, OutcomeCategory, RefusalReason, Route

PAUSE_END = date(2026, 12, 31)


def test_an_emigrant_and_a_move_to_an_unknown_place_are_not_resident_and_not_forwarded() -> None:
    not_forwarded = Told(FeedbackType.NIET_WOONACHTIG, doorgestuurd=False)
    assert feedback_for_route(Route.EMIGRATED) == not_forwarded
    assert feedback_for_route(Route.RELOCATED, destination_known=False) == not_forwarded


def test_a_move_to_a_known_municipality_is_told_by_forwarding_once_it_knows() -> None:
    assert feedback_for_route(Route.RELOCATED, destination_known=True) is None
    assert feedback_for_forwarding(True) == Told(FeedbackType.NIET_WOONACHTIG, doorgestuurd=True)
    assert feedback_for_forwarding(False) == Told(FeedbackType.NIET_WOONACHTIG, doorgestuurd=False)


def test_known_to_debt_help_is_told_only_while_the_resident_receives_it() -> None:
    assert feedback_for_route(Route.DEBT_HELP, debt_help=DebtHelpStanding.ACTIVE) == Told(
        FeedbackType.BEKEND_BIJ_SHV
    )
    # R-BRP-4b: a final decision less than 6 months ago earns nothing at route time.
    assert feedback_for_route(Route.DEBT_HELP, debt_help=DebtHelpStanding.RECENT_DECISION) is None


def test_the_deceased_and_a_legal_person_are_told_at_once() -> None:
    assert feedback_for_route(Route.DECEASED) == Told(FeedbackType.OVERLEDEN)
    assert feedback_for_route(Route.LEGAL_PERSON) == Told(
        FeedbackType.NIET_OPGEPAKT, reason=NotTakenUpReason.RECHTSPERSOON
    )


def test_residents_minors_and_review_give_no_feedback_at_route_time() -> None:
    assert {feedback_for_route(r) for r in (Route.RESIDENT, Route.MINOR, Route.REVIEW)} == {None}


def test_refusals_and_repeats_are_not_picked_up_with_their_reason_code() -> None:
    assert feedback_for_refusal(RefusalReason.TERMIJN) == Told(
        FeedbackType.NIET_OPGEPAKT, reason=NotTakenUpReason.TERMIJN
    )
    assert feedback_for_repeat() == Told(
        FeedbackType.NIET_OPGEPAKT, reason=NotTakenUpReason.HERHAALD_SIGNAAL
    )


def outcome(
    category: OutcomeCategory | None,
    *,
    route: Route = Route.RESIDENT,
    consent: bool = False,
    paused: date | None = None,
    debt_help: DebtHelpStanding | None = None,
) -> Told | None:
    return feedback_for_outcome(
        route,
        category,
        creditor_consent=consent,
        collection_paused_until=paused,
        debt_help=debt_help,
    )


def test_help_accepted_tells_the_day_the_collection_pause_ends() -> None:
    for route in (Route.RESIDENT, Route.MINOR, Route.DEBT_HELP):
        assert outcome(OutcomeCategory.WIL_HULP, route=route, paused=PAUSE_END) == Told(
            FeedbackType.HULP_GEACCEPTEERD, collection_paused_until=PAUSE_END
        )


def test_declining_help_is_told_only_with_the_residents_recorded_consent() -> None:
    assert outcome(OutcomeCategory.WIL_GEEN_HULP) is None
    assert outcome(OutcomeCategory.WIL_GEEN_HULP, consent=True) == Told(FeedbackType.WIL_GEEN_HULP)


def test_not_reached_is_never_told_whatever_comes_with_it() -> None:
    for consent in (False, True):
        assert outcome(OutcomeCategory.NIET_BEREIKT, consent=consent, paused=PAUSE_END) is None
    assert "NIET_BEREIKT" not in {t.value for t in FeedbackType}


def test_an_shv_professionals_outcome_tells_known_to_debt_help_only_for_an_active_one() -> None:
    known = OutcomeCategory.BEKEND_BIJ_SHV
    assert outcome(known, debt_help=DebtHelpStanding.ACTIVE) == Told(FeedbackType.BEKEND_BIJ_SHV)
    assert outcome(known, debt_help=DebtHelpStanding.RECENT_DECISION) is None
    # A case worker's BEKEND_BIJ_SHV cannot show the resident receives debt help now.
    assert outcome(known) is None


def test_a_deceased_debtors_creditor_hears_nothing_of_the_households_help() -> None:
    assert outcome(OutcomeCategory.WIL_HULP, route=Route.DECEASED, paused=PAUSE_END) is None
    assert outcome(OutcomeCategory.WIL_GEEN_HULP, route=Route.DECEASED, consent=True) is None
    assert outcome(None, route=Route.DECEASED) is None


@pytest.mark.parametrize(
    "told",
    [
        lambda: Told(FeedbackType.OVERLEDEN, reason=NotTakenUpReason.TERMIJN),
        lambda: Told(FeedbackType.NIET_OPGEPAKT),
        lambda: Told(FeedbackType.NIET_WOONACHTIG),
        lambda: Told(FeedbackType.BEKEND_BIJ_SHV, doorgestuurd=True),
        lambda: Told(FeedbackType.HULP_GEACCEPTEERD),
        lambda: Told(FeedbackType.WIL_GEEN_HULP, collection_paused_until=PAUSE_END),
    ],
)
def test_each_type_carries_its_own_detail_and_no_other(told: object) -> None:
    with pytest.raises(ValueError, match="only with it"):
        told()  # type: ignore[operator]


def test_the_closed_set_has_no_type_that_could_carry_contact_outcomes() -> None:
    assert {t.value for t in FeedbackType} == {
        "BEKEND_BIJ_SHV",
        "NIET_OPGEPAKT",
        "OVERLEDEN",
        "NIET_WOONACHTIG",
        "HULP_GEACCEPTEERD",
        "WIL_GEEN_HULP",
    }


def test_a_repeat_or_refusal_at_the_receiving_end_is_relayed_as_not_taken_up_with_its_code() -> (
    None
):
    # R-IN-5 there, and that municipality's own R-IN-1 … R-IN-4: NIET_OPGEPAKT is allowed (§6).
    assert feedback_relayed("NIET_OPGEPAKT", "HERHAALD_SIGNAAL", None, None) == Told(
        FeedbackType.NIET_OPGEPAKT, reason=NotTakenUpReason.HERHAALD_SIGNAAL
    )
    assert feedback_relayed("NIET_OPGEPAKT", "ONDER_DREMPEL", None, None) == Told(
        FeedbackType.NIET_OPGEPAKT, reason=NotTakenUpReason.ONDER_DREMPEL
    )
    assert feedback_relayed("HULP_GEACCEPTEERD", None, None, PAUSE_END) == Told(
        FeedbackType.HULP_GEACCEPTEERD, collection_paused_until=PAUSE_END
    )
    # Not resident there: about the forward itself, never told (it would hint where it went).
    assert feedback_relayed("NIET_WOONACHTIG", None, True, None) is None


@pytest.mark.parametrize(
    ("kind", "reason", "doorgestuurd", "paused"),
    [
        ("NIET_BEREIKT", None, None, None),  # never a type
        ("VERHUISD_NAAR_0599", None, None, None),
        ("NIET_OPGEPAKT", "VERHUISD", None, None),
        ("NIET_OPGEPAKT", None, None, None),
        ("OVERLEDEN", "TERMIJN", None, None),
        ("BEKEND_BIJ_SHV", None, True, None),  # doorgestuurd on another type
        ("HULP_GEACCEPTEERD", None, None, None),
        ("WIL_GEEN_HULP", None, None, PAUSE_END),
        ("NIET_WOONACHTIG", None, None, None),
    ],
)
def test_what_a_receiving_deployment_says_outside_the_closed_set_is_refused(
    kind: str, reason: str | None, doorgestuurd: bool | None, paused: date | None
) -> None:
    with pytest.raises(ValueError, match=r"not a valid|only with it|carries"):
        feedback_relayed(kind, reason, doorgestuurd, paused)


def test_the_relay_ends_after_feedback_nothing_more_can_follow() -> None:
    final = {t for t in FeedbackType if is_final(_any_told(t))}
    assert final == {
        FeedbackType.NIET_OPGEPAKT,
        FeedbackType.OVERLEDEN,
        FeedbackType.HULP_GEACCEPTEERD,
    }
    # A repeat joins the household's case there: that case's outcome may still be told.
    assert not is_final(feedback_for_repeat())
    assert is_final(feedback_for_refusal(RefusalReason.ONDER_DREMPEL))


def _any_told(kind: FeedbackType) -> Told:
    return Told(
        kind,
        reason=NotTakenUpReason.TERMIJN if kind is FeedbackType.NIET_OPGEPAKT else None,
        doorgestuurd=True if kind is FeedbackType.NIET_WOONACHTIG else None,
        collection_paused_until=PAUSE_END if kind is FeedbackType.HULP_GEACCEPTEERD else None,
    )
