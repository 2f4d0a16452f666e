"""What a creditor may be told, and when, as pure functions (domain §8, R-FB).

The privacy rule is enforced by construction: feedback is one of a closed set of types, and
`Told` can carry nothing but a reason code (NIET_OPGEPAKT), whether the signal was forwarded
(NIET_WOONACHTIG) and the day the collection pause ends (HULP_GEACCEPTEERD) — no address, no
municipality, nothing learned in contact. `NIET_BEREIKT` is not a type: it can never be told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from vroeg.shared.events import DebtHelpStanding, OutcomeCategory, RefusalReason, Route


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


@dataclass(frozen=True)
class Told:
    """One piece of feedback: a type of the closed set and the one detail its type may carry."""

    feedback_type: FeedbackType
    # NIET_OPGEPAKT only: the reason code.
    reason: NotTakenUpReason | None = None
    # NIET_WOONACHTIG only: whether the signal went to the competent body (Awb 2:3), never which.
    doorgestuurd: bool | None = None
    # HULP_GEACCEPTEERD only: the last day the creditor pauses collection (R-FU-5).
    collection_paused_until: date | None = None

    def __post_init__(self) -> None:
        kind = self.feedback_type
        if (self.reason is not None) != (kind is FeedbackType.NIET_OPGEPAKT):
            raise ValueError("a reason code goes with NIET_OPGEPAKT, and only with it")
        if (self.doorgestuurd is not None) != (kind is FeedbackType.NIET_WOONACHTIG):
            raise ValueError("doorgestuurd goes with NIET_WOONACHTIG, and only with it")
        if (self.collection_paused_until is not None) != (kind is FeedbackType.HULP_GEACCEPTEERD):
            raise ValueError("the pause's end goes with HULP_GEACCEPTEERD, and only with it")


# The routes whose signals become cases (R-MAT-1): their outcomes are told per signal, so
# feedback keeps which creditor each signal came from.
CASE_ROUTES = frozenset({Route.RESIDENT, Route.MINOR, Route.DECEASED})
# Every route feedback reads: those that earn feedback at once, and those whose later outcome
# may (a case's, or the SHV professional's for debt help).
ROUTES_READ = frozenset(
    {*CASE_ROUTES, Route.RELOCATED, Route.EMIGRATED, Route.DEBT_HELP, Route.LEGAL_PERSON}
)


def feedback_for_route(
    route: Route,
    *,
    debt_help: DebtHelpStanding | None = None,
    destination_known: bool | None = None,
) -> Told | None:
    """Route feedback, told as soon as it is known (§8): OVERLEDEN (R-BRP-2); NIET_WOONACHTIG
    not forwarded for an emigrant and for a move to an unknown destination (R-BRP-1) — a move
    to a known one is told by forwarding, once it knows whether the signal went
    (`feedback_for_forwarding`); BEKEND_BIJ_SHV only while the resident receives debt help
    (R-BRP-4a: RECENT_DECISION earns nothing now, the professional's outcome may later);
    NIET_OPGEPAKT RECHTSPERSOON for a legal person a reviewer found (R-BRP-5, as R-IN-3).
    Residents and minors hear nothing yet: their outcome decides (R-FU-4)."""
    if route is Route.DECEASED:
        return Told(FeedbackType.OVERLEDEN)
    if route is Route.EMIGRATED or (route is Route.RELOCATED and destination_known is False):
        return Told(FeedbackType.NIET_WOONACHTIG, doorgestuurd=False)
    if route is Route.DEBT_HELP and debt_help is DebtHelpStanding.ACTIVE:
        return Told(FeedbackType.BEKEND_BIJ_SHV)
    if route is Route.LEGAL_PERSON:
        return Told(FeedbackType.NIET_OPGEPAKT, reason=NotTakenUpReason.RECHTSPERSOON)
    return None


def feedback_for_forwarding(forwarded: bool) -> Told:
    """R-BRP-1, Awb 2:3: a resident who moved to a known municipality; the creditor hears
    NIET_WOONACHTIG and whether the signal went to the competent body — never which one."""
    return Told(FeedbackType.NIET_WOONACHTIG, doorgestuurd=forwarded)


def feedback_for_refusal(reason: RefusalReason) -> Told:
    """A signal intake refused: NIET_OPGEPAKT with its reason code (domain §4)."""
    return Told(FeedbackType.NIET_OPGEPAKT, reason=NotTakenUpReason(reason.value))


def feedback_for_repeat() -> Told:
    """R-IN-5: a repeat owes no new help offer; the creditor may hear so, as soon as known."""
    return Told(FeedbackType.NIET_OPGEPAKT, reason=NotTakenUpReason.HERHAALD_SIGNAAL)


def feedback_for_outcome(
    route: Route,
    category: OutcomeCategory | None,
    *,
    creditor_consent: bool,
    collection_paused_until: date | None,
    debt_help: DebtHelpStanding | None = None,
) -> Told | None:
    """What an outcome (R-FU-4) lets the creditor of one of its signals hear (§8 timing: for
    residents only when the outcome allows it). Help accepted: HULP_GEACCEPTEERD with the day
    the 30-day pause ends (R-FU-5); help declined: WIL_GEEN_HULP only with the resident's
    recorded written consent (§6); BEKEND_BIJ_SHV only for a resident who receives debt help
    (R-BRP-4a); not reached: never. A deceased debtor's creditor heard OVERLEDEN: the help the
    household or the heirs take is theirs, not the debtor's (R-BRP-2)."""
    if route is Route.DECEASED:
        return None
    if category is OutcomeCategory.WIL_HULP and collection_paused_until is not None:
        return Told(FeedbackType.HULP_GEACCEPTEERD, collection_paused_until=collection_paused_until)
    if category is OutcomeCategory.WIL_GEEN_HULP and creditor_consent:
        return Told(FeedbackType.WIL_GEEN_HULP)
    if category is OutcomeCategory.BEKEND_BIJ_SHV and debt_help is DebtHelpStanding.ACTIVE:
        return Told(FeedbackType.BEKEND_BIJ_SHV)
    return None


def feedback_relayed(
    feedback_type: str,
    reason: str | None,
    doorgestuurd: bool | None,
    collection_paused_until: date | None,
) -> Told | None:
    """What the creditor of a forwarded signal may hear of the receiving municipality's
    feedback on it (Awb 2:3), rebuilt from the closed set alone: a type or reason outside it,
    or a detail its type may not carry, raises ValueError. NIET_WOONACHTIG there is about the
    forward itself (or a move onward): never told — the creditor heard NIET_WOONACHTIG
    `doorgestuurd` from the forwarder, and nothing may hint at where it went. A repeat there
    (R-IN-5, NIET_OPGEPAKT HERHAALD_SIGNAAL) and a refusal by the receiving municipality's own
    rules (R-IN-1 … R-IN-4) are NIET_OPGEPAKT with their reason code, which §6 allows."""
    kind = FeedbackType(feedback_type)
    if kind is FeedbackType.NIET_WOONACHTIG:
        if doorgestuurd is None:
            raise ValueError("NIET_WOONACHTIG carries doorgestuurd")
        return None
    return Told(
        kind,
        reason=NotTakenUpReason(reason) if reason is not None else None,
        doorgestuurd=doorgestuurd,
        collection_paused_until=collection_paused_until,
    )


# After these, the receiving municipality has nothing more a creditor may hear on the signal:
# it was not taken up (refused by that municipality's rules, or a legal person), the debtor
# died (the household's help is not the debtor's, R-BRP-2), or help was accepted (R-FU-4:
# referral closes the case). The relay stops asking about a forward once it told one of them.
# Not final: NIET_OPGEPAKT HERHAALD_SIGNAAL (a repeat joins the household's case, whose outcome
# is told on each of its signals, R-IN-5), BEKEND_BIJ_SHV (the SHV professional's outcome may
# follow, R-BRP-4) and WIL_GEEN_HULP (a case reopened when the resident comes back, R-FU-5):
# the retention period ends those.
FINAL = frozenset(
    {FeedbackType.NIET_OPGEPAKT, FeedbackType.OVERLEDEN, FeedbackType.HULP_GEACCEPTEERD}
)


def is_final(told: Told) -> bool:
    """Whether nothing more can follow this on the signal (see `FINAL`)."""
    if told.reason is NotTakenUpReason.HERHAALD_SIGNAAL:
        return False
    return told.feedback_type in FINAL
