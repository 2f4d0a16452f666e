"""What a creditor may be told, as pure functions (domain §8, R-FB).

The privacy rule is enforced by construction: feedback is one of a closed set of types, none
of which can carry an address, a municipality or anything learned in contact.
"""

from __future__ import annotations

from enum import StrEnum

from vroeg.shared.events import RefusalReason, Route


class FeedbackType(StrEnum):
    """Everything the law allows a creditor to hear (§6)."""

    BEKEND_BIJ_SHV = "BEKEND_BIJ_SHV"
    NIET_OPGEPAKT = "NIET_OPGEPAKT"
    OVERLEDEN = "OVERLEDEN"
    NIET_WOONACHTIG = "NIET_WOONACHTIG"
    HULP_GEACCEPTEERD = "HULP_GEACCEPTEERD"
    WIL_GEEN_HULP = "WIL_GEEN_HULP"


class NotTakenUpReason(StrEnum):
    """Why a creditor hears NIET_OPGEPAKT: intake's refusal reasons (R-IN-1 … R-IN-4), a legal
    person a reviewer found (R-BRP-5), or a repeat of an earlier signal on the same debt
    (R-IN-5, found by the matcher)."""

    TERMIJN = RefusalReason.TERMIJN.value
    SOCIALE_INCASSO = RefusalReason.SOCIALE_INCASSO.value
    RECHTSPERSOON = RefusalReason.RECHTSPERSOON.value
    ONDER_DREMPEL = RefusalReason.ONDER_DREMPEL.value
    HERHAALD_SIGNAAL = "HERHAALD_SIGNAAL"


_BY_ROUTE: dict[Route, tuple[FeedbackType, NotTakenUpReason | None]] = {
    Route.DECEASED: (FeedbackType.OVERLEDEN, None),
    # Relocated and emigrated alike: "not a resident here" — never where they went (R-BRP-1).
    Route.RELOCATED: (FeedbackType.NIET_WOONACHTIG, None),
    Route.EMIGRATED: (FeedbackType.NIET_WOONACHTIG, None),
    Route.DEBT_HELP: (FeedbackType.BEKEND_BIJ_SHV, None),
    # A reviewer found a legal person (R-BRP-5): not picked up, as intake would say (R-IN-3).
    Route.LEGAL_PERSON: (FeedbackType.NIET_OPGEPAKT, NotTakenUpReason.RECHTSPERSOON),
}
ROUTES_WITH_FEEDBACK = frozenset(_BY_ROUTE)


def feedback_for_route(route: Route) -> tuple[FeedbackType, NotTakenUpReason | None] | None:
    """The feedback a route earns the creditor (type and reason code), if any."""
    return _BY_ROUTE.get(route)


def feedback_for_refusal(reason: RefusalReason) -> tuple[FeedbackType, NotTakenUpReason]:
    """A signal intake refused: NIET_OPGEPAKT with its reason code (domain §4)."""
    return FeedbackType.NIET_OPGEPAKT, NotTakenUpReason(reason.value)


def feedback_for_repeat() -> tuple[FeedbackType, NotTakenUpReason]:
    """R-IN-5: a repeat owes no new help offer; the creditor may hear so, as soon as known."""
    return FeedbackType.NIET_OPGEPAKT, NotTakenUpReason.HERHAALD_SIGNAAL
