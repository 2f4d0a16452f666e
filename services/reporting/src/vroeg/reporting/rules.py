"""What a lean fact makes of reporting's rows, as pure functions (domain §9).

Each fact becomes the row of the thing it is about (a signal, its route, a case, an attempt,
an outcome, a deadline) and the repository keeps each row at its latest state, by a rule that
does not depend on arrival order: a case's highest state version, an attempt's latest telling,
a signal's final route over `review`. So a redelivered or out-of-order fact gives the same
figures, and a rebuild from the beginning gives them again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from vroeg.shared.clock import dutch_date
from vroeg.shared.events import (
    AgreementChanged,
    CaseIntermediateResult,
    CaseOutcomeRegistered,
    CaseState,
    ContactAttempted,
    ContactResult,
    DebtHelpSignalHandled,
    FirstContactDeadlineSet,
    Route,
    RouteFact,
    SignalFact,
    SignalForwarded,
)


def signal_row(fact: SignalFact) -> dict[str, Any]:
    """A signal taken up or refused, counted in the period of its Dutch receipt date."""
    return {
        "signal_id": fact.signal_id,
        "municipality": fact.municipality,
        "vlp_id": fact.vlp_id,
        "vlp_type": fact.vlp_type.value,
        "kind": fact.kind.value,
        "arrears_type": fact.arrears_type.value,
        "amount": fact.amount,
        "postcode_area": fact.postcode_area,
        "age_band": fact.age_band.value if fact.age_band else None,
        "phone_present": fact.phone_present,
        "email_present": fact.email_present,
        "received_on": dutch_date(fact.received_at),
        "refusal": fact.refusal.value if fact.refusal else None,
    }


def route_row(fact: RouteFact) -> dict[str, Any]:
    """A signal's route; `final` unless it waits in review (a reviewed signal counts once,
    under the route the reviewer's decision gave)."""
    return {
        "signal_id": fact.signal_id,
        "municipality": fact.municipality,
        "route": fact.route.value,
        "final": fact.route is not Route.REVIEW,
        "debt_help": fact.debt_help.value if fact.debt_help else None,
        "age_band": fact.age_band.value if fact.age_band else None,
        "household_size": fact.household_size,
        "minors_present": fact.minors_present,
        "routed_at": fact.routed_at,
    }


def debt_amount(state: CaseState) -> Decimal:
    """A case's arrears: per creditor and arrears type the amount of its latest signal (a
    later signal on the same debt restates it, R-IN-5), added up."""
    latest: dict[tuple[str, str], tuple[Any, Decimal]] = {}
    for signal in state.signals:
        key = (signal.vlp_id, signal.arrears_type.value)
        if key not in latest or signal.received_at > latest[key][0]:
            latest[key] = (signal.received_at, signal.amount)
    return sum((amount for _, amount in latest.values()), Decimal(0))


def case_row(case_id: UUID, municipality: str, state: CaseState) -> dict[str, Any]:
    """A case at one state version, counted in the period of its Dutch opening date."""
    previous = state.previous_case
    return {
        "case_id": case_id,
        "municipality": municipality,
        "version": state.version,
        "status": state.status.value,
        "opened_on": dutch_date(state.opened_at),
        "crisis": state.crisis,
        "signals": len(state.signals),
        "debt_amount": debt_amount(state),
        "household_size": state.household_size,
        "minors_present": state.minors_present,
        "postcode_area": state.postcode_area,
        "recidive": state.recidive,
        "consecutive": state.consecutive,
        "previous_outcome": previous.outcome.value if previous and previous.outcome else None,
    }


def attempt_row(event: ContactAttempted) -> dict[str, Any]:
    """An attempt as last told (a reply to a letter changes that letter's result)."""
    return {
        "attempt_id": event.attempt_id,
        "case_id": event.case_id,
        "municipality": event.municipality,
        "kind": event.kind.value,
        "attempted_on": event.attempted_on,
        "reached": event.result is ContactResult.BEREIKT,
        "automatic": event.automatic,
        "as_of": event.occurred_at,
    }


def outcome_row(event: CaseOutcomeRegistered) -> dict[str, Any]:
    """A case's outcome; a case reopened and closed again keeps its latest."""
    return {
        "case_id": event.case_id,
        "municipality": event.municipality,
        "category": event.category.value if event.category else None,
        "detail": event.detail.value,
        "closed_at": event.closed_at,
    }


def deadline_row(event: FirstContactDeadlineSet) -> dict[str, Any]:
    """A case's first-contact deadline; a tightened one (a crisis joined) replaces it."""
    return {
        "case_id": event.case_id,
        "municipality": event.municipality,
        "due_date": event.due_date,
        "set_at": event.occurred_at,
    }


def intermediate_row(event: CaseIntermediateResult) -> dict[str, Any]:
    """A case's intermediate result (R-FU-5): whether an attempt reached the resident."""
    return {"case_id": event.case_id, "municipality": event.municipality, "reached": event.reached}


def debt_help_row(event: DebtHelpSignalHandled) -> dict[str, Any]:
    """What came of a signal of a resident known to debt help."""
    return {
        "signal_id": event.signal_id,
        "municipality": event.municipality,
        "category": event.category.value,
        "detail": event.detail.value,
        "handled_at": event.handled_at,
    }


def forward_row(event: SignalForwarded) -> dict[str, Any]:
    """A relocated signal's forward as decided, counted in the period of the Dutch date of
    the decision, for the forwarding municipality."""
    return {
        "signal_id": event.signal_id,
        "municipality": event.municipality,
        "destination": event.destination,
        "outcome": event.outcome.value,
        "attempts": event.attempts,
        "decided_at": event.occurred_at,
        "decided_on": dutch_date(event.occurred_at),
    }


def agreement_row(event: AgreementChanged) -> dict[str, Any]:
    """A creditor's agreement with a municipality as the administration last changed it."""
    return {
        "vlp_id": event.vlp_id,
        "municipality": event.municipality,
        "vlp_type": event.vlp_type.value,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
        "removed": event.removed,
        "changed_at": event.changed_at,
    }
