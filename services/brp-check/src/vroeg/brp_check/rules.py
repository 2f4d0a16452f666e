"""Routing of a signal after the BRP check, as pure functions (domain §5), and the deadline a
crisis item in the review queue runs against (R-FU-1)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from vroeg.brp_check.brp import BrpPerson
from vroeg.brp_check.debt_help import DebtHelpStatus
from vroeg.shared.calendar import add_working_days
from vroeg.shared.clock import add_months, dutch_date
from vroeg.shared.events import (
    CRISIS_FIRST_CONTACT_WORKING_DAYS,
    CRISIS_KINDS,
    DebtHelpStanding,
    Route,
    SignalKind,
)

ADULT_AGE = 18
RECENT_DECISION_MONTHS = 6
DECEASED = "O"
EMIGRATED = "E"
RNI = "R"  # registered as a non-resident (Registratie Niet-Ingezetenen)


@dataclass(frozen=True)
class Decision:
    """Where a signal goes, and why."""

    route: Route
    reasons: tuple[str, ...]
    registered_municipality: str | None = None
    # The single person found: the matcher and the CBS export need their BSN.
    bsn: str | None = None
    # R-BRP-4 (a) or (b), for the debt-help route: feedback may tell (a) only.
    debt_help: DebtHelpStanding | None = None


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on a date (a birthday counts on the day itself)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def decide_route(
    candidates: Sequence[BrpPerson],
    *,
    municipality: str,
    signal_date: date,
    person_named: bool = True,
    unsearchable: str | None = None,
    debt_help: DebtHelpStatus | None = None,
) -> Decision:
    """R-BRP-0: no single match → review; then deceased, emigrated (or RNI), relocated, minor,
    resident.

    `unsearchable` says why the debtor's name could not be put to the BRP (R-BRP-5).
    `debt_help` is the single candidate's standing in the municipality's debt-help
    administration; it decides R-BRP-4, between relocated and minor.
    """
    if not person_named:
        return Decision(Route.REVIEW, ("R-BRP-5: only a business name, no person to look up",))
    if unsearchable is not None:
        return Decision(Route.REVIEW, (unsearchable,))
    if not candidates:
        return Decision(Route.REVIEW, ("R-BRP-5: no person found in the BRP",))
    if len(candidates) > 1:
        return Decision(Route.REVIEW, (f"R-BRP-5: {len(candidates)} candidates in the BRP",))
    return replace(
        _route_person(candidates[0], municipality, signal_date, debt_help),
        bsn=candidates[0].bsn,
    )


def _route_person(
    person: BrpPerson, municipality: str, signal_date: date, debt_help: DebtHelpStatus | None
) -> Decision:
    """R-BRP-0 for a single match: deceased, emigrated (or RNI), relocated, debt help, minor,
    resident."""
    if person.suspension_reason == DECEASED:
        return Decision(Route.DECEASED, ("R-BRP-2: death registered",))
    if person.suspension_reason == EMIGRATED:
        return Decision(Route.EMIGRATED, ("registration suspended for emigration",))
    if person.suspension_reason == RNI:
        # Not resident in any Dutch municipality: nobody to forward to, like emigration.
        return Decision(Route.EMIGRATED, ("registered as a non-resident (RNI)",))
    if person.suspension_reason is not None:
        return Decision(
            Route.REVIEW, (f"R-BRP-5: registration suspended ({person.suspension_reason})",)
        )
    if person.municipality is None:
        return Decision(Route.REVIEW, ("R-BRP-5: no municipality of registration",))
    if person.municipality != municipality:
        return Decision(
            Route.RELOCATED,
            (f"R-BRP-1: registered in municipality {person.municipality}",),
            registered_municipality=person.municipality,
        )
    if debt_help is not None and known_to_debt_help(debt_help, signal_date):
        standing = (
            DebtHelpStanding.ACTIVE
            if debt_help.active_product
            else (DebtHelpStanding.RECENT_DECISION)
        )
        return Decision(Route.DEBT_HELP, ("R-BRP-4: known to debt help",), debt_help=standing)
    if person.birth_date is not None and age_on(person.birth_date, signal_date) < ADULT_AGE:
        return Decision(Route.MINOR, ("R-BRP-3: under 18 on the signal date",))
    return Decision(Route.RESIDENT, ("registered at an address in this municipality",))


class ReviewChoice(StrEnum):
    """What a reviewer may decide about a signal in the queue (R-BRP-5)."""

    CANDIDATE = "candidate"  # this BRP person is the debtor
    SIGNAL_DATA = "signal-data"  # the signal's own name, birth date and address are right
    LEGAL_PERSON = "legal-person"  # the debtor is a legal person: not processed


class Undecidable(ValueError):
    """The chosen person's record gives no route; the reviewer must choose otherwise."""


def decide_after_review(
    choice: ReviewChoice,
    *,
    person: BrpPerson | None,
    municipality: str,
    signal_date: date,
    signal_birth_date: date | None,
    debt_help: DebtHelpStatus | None = None,
) -> Decision:
    """The route a reviewer's choice gives; the reviewed candidate is routed as any single match
    (R-BRP-0), the signal's own data as a resident of this municipality (or a minor)."""
    if choice is ReviewChoice.LEGAL_PERSON:
        return Decision(Route.LEGAL_PERSON, ("R-BRP-5: reviewer marked a legal person (R-IN-3)",))
    if choice is ReviewChoice.CANDIDATE:
        if person is None:
            raise Undecidable("no BRP person chosen")
        decision = decide_route(
            [person], municipality=municipality, signal_date=signal_date, debt_help=debt_help
        )
        if decision.route is Route.REVIEW:
            raise Undecidable(decision.reasons[0])
        return replace(
            decision, reasons=("R-BRP-5: reviewer chose a BRP candidate", *decision.reasons)
        )
    reasons: tuple[str, ...] = ("R-BRP-5: reviewer confirmed the signal's own data",)
    if signal_birth_date is not None and age_on(signal_birth_date, signal_date) < ADULT_AGE:
        return Decision(Route.MINOR, (*reasons, "R-BRP-3: under 18 on the signal date"))
    return Decision(Route.RESIDENT, (*reasons, "at the signal's address in this municipality"))


def count_minors(birth_dates: Sequence[date | None], on: date) -> int:
    """How many of the household were under 18 on a date (unknown dates count as adults)."""
    return sum(1 for b in birth_dates if b is not None and age_on(b, on) < ADULT_AGE)


def known_to_debt_help(status: DebtHelpStatus, signal_date: date) -> bool:
    """R-BRP-4: an active product, or a final decision less than 6 months before the signal.

    A decision exactly 6 months ago is not "less than 6 months": the normal route applies.
    """
    if status.active_product:
        return True
    decided = status.final_decision_on
    return decided is not None and signal_date < add_months(decided, RECENT_DECISION_MONTHS)


def is_crisis(kind: SignalKind | str) -> bool:
    """An announced disconnection or eviction (domain §3): its review item comes first."""
    return kind in CRISIS_KINDS


def crisis_first_contact_due(received_at: datetime, decreed_days_off: Collection[date]) -> date:
    """R-FU-1: the last day for the first contact with the resident of a crisis signal, 3
    working days (Algemene termijnenwet) after the Dutch date intake received it, however
    long the review takes."""
    return add_working_days(
        dutch_date(received_at), CRISIS_FIRST_CONTACT_WORKING_DAYS, decreed_days_off
    )
