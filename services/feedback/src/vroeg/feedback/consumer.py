"""feedback's Kafka handlers: record what each creditor may be told, and when (domain §8)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date

from vroeg.feedback import forwarding, repository, rules
from vroeg.feedback.models import Feedback, PendingOutcome, SignalCreditor
from vroeg.feedback.settings import Settings
from vroeg.shared import creditor_keys, tenants
from vroeg.shared.events import (
    CaseOutcomeRegistered,
    DebtHelpSignalHandled,
    DebtHelpStanding,
    OutcomeCategory,
    Route,
    SignalRefused,
    SignalRepeated,
    SignalRouted,
    now_utc,
)
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import (
    CASE_OUTCOME_REGISTERED,
    DEBT_HELP_SIGNAL_HANDLED,
    ROUTE_TOPICS,
    SIGNAL_REFUSED,
    SIGNAL_REPEATED,
)

# The routes whose later outcome may earn feedback: their creditors are remembered per signal
# (not RELOCATED: a signal forwarded elsewhere earns its feedback there).
_OUTCOME_ROUTES = rules.CASE_ROUTES | {Route.DEBT_HELP}


# Where `prepare_routes` leaves the outcomes that waited for a batch's signals (by signal id;
# UnitOfWork.prepared): a signal in it has its creditor remembered.
_WAITING = "feedback.waiting"


async def prepare_routes(uow: UnitOfWork, events: Sequence[SignalRouted]) -> None:
    """Remember the creditors of a batch's signals whose outcome may be told later, and take
    the outcomes that waited for them: two statements for the batch."""
    remembered = [_creditor(event) for event in events if event.route in _OUTCOME_ROUTES]
    waiting = await repository.remember_creditors(uow.session, remembered)
    uow.prepared.setdefault(_WAITING, {}).update(
        {signal.signal_id: waiting.get(signal.signal_id, []) for signal in remembered}
    )


async def on_signal_routed(uow: UnitOfWork, event: SignalRouted) -> None:
    """Store the feedback the route allows at once (R-FB); remember the creditor of a signal
    whose outcome may be told later, and tell the outcomes that came before the route."""
    if forwarding.takes(event):  # a move to a known municipality: forwarded first (Awb 2:3)
        await forwarding.on_relocated(uow, event)
        return
    signal = event.signal
    told = rules.feedback_for_route(
        event.route, debt_help=event.debt_help, destination_known=event.destination_known
    )
    whose = _Whose(
        signal.signal_id, signal.vlp_id, signal.vlp_reference, event.municipality,
        signal.forwarded_by,
    )  # fmt: skip
    if told is not None:
        await _record(uow, told, whose)
    if event.route not in _OUTCOME_ROUTES:
        return
    if signal.signal_id not in uow.prepared.get(_WAITING, {}):  # handled alone (retried)
        await prepare_routes(uow, [event])
    for outcome in uow.prepared[_WAITING].pop(signal.signal_id):  # once, if it came twice
        await _tell_outcome(
            uow,
            whose,
            event.route,
            _Outcome(
                OutcomeCategory(outcome.category) if outcome.category else None,
                outcome.creditor_consent,
                outcome.collection_paused_until,
                DebtHelpStanding(outcome.debt_help) if outcome.debt_help else None,
            ),
        )


def _creditor(event: SignalRouted) -> SignalCreditor:
    signal = event.signal
    return SignalCreditor(
        signal_id=signal.signal_id,
        municipality=event.municipality,
        route=event.route.value,
        vlp_id=signal.vlp_id,
        vlp_reference=signal.vlp_reference,
        forwarded_by=signal.forwarded_by,
        recorded_at=now_utc(),
    )


async def on_signal_refused(uow: UnitOfWork, event: SignalRefused) -> None:
    """A refused signal: NIET_OPGEPAKT with the reason code (domain §4)."""
    whose = _Whose(
        event.signal_id, event.vlp_id, event.vlp_reference, event.municipality, event.forwarded_by
    )
    await _record(uow, rules.feedback_for_refusal(event.reason), whose)


async def on_signal_repeated(uow: UnitOfWork, event: SignalRepeated) -> None:
    """A repeat on the same debt (R-IN-5): NIET_OPGEPAKT HERHAALD_SIGNAAL."""
    whose = _Whose(
        event.signal_id, event.vlp_id, event.vlp_reference, event.municipality, event.forwarded_by
    )
    await _record(uow, rules.feedback_for_repeat(), whose)


async def on_case_outcome(uow: UnitOfWork, event: CaseOutcomeRegistered) -> None:
    """A case's outcome (R-FU-4), told to each of its signals' own creditors as far as §6
    allows; a signal whose route is not here yet keeps the outcome until it is."""
    outcome = _Outcome(event.category, event.creditor_consent, event.collection_paused_until)
    for signal_id in event.signal_ids:
        await _outcome_on_signal(uow, signal_id, event.municipality, outcome)


async def on_debt_help_handled(uow: UnitOfWork, event: DebtHelpSignalHandled) -> None:
    """An SHV professional's outcome on a signal of a resident known to debt help (R-BRP-4):
    for (b) this is when the creditor may hear something (R-FU-4, §6)."""
    outcome = _Outcome(
        event.category, False, event.collection_paused_until, debt_help=event.debt_help
    )
    await _outcome_on_signal(uow, event.signal_id, event.municipality, outcome)


@dataclass(frozen=True)
class _Whose:
    """A signal and whom its feedback goes to: its creditor, or the municipality that
    forwarded it here (Awb 2:3)."""

    signal_id: uuid.UUID
    vlp_id: str
    vlp_reference: str | None
    municipality: str
    forwarded_by: str | None = None


@dataclass(frozen=True)
class _Outcome:
    """What the outcome rule needs of an outcome."""

    category: OutcomeCategory | None
    creditor_consent: bool
    collection_paused_until: date | None
    debt_help: DebtHelpStanding | None = None


async def _outcome_on_signal(
    uow: UnitOfWork, signal_id: uuid.UUID, municipality: str, outcome: _Outcome
) -> None:
    now = now_utc()
    creditor = await repository.creditor_of(uow.session, signal_id, municipality, now)
    if creditor.vlp_id is None:
        await repository.keep_pending(
            uow.session,
            PendingOutcome(
                id=uuid.uuid4(),
                signal_id=signal_id,
                category=outcome.category.value if outcome.category else None,
                creditor_consent=outcome.creditor_consent,
                collection_paused_until=outcome.collection_paused_until,
                debt_help=outcome.debt_help.value if outcome.debt_help else None,
                received_at=now,
            ),
        )
        return
    whose = _Whose(
        signal_id, creditor.vlp_id, creditor.vlp_reference, creditor.municipality,
        creditor.forwarded_by,
    )  # fmt: skip
    await _tell_outcome(uow, whose, Route(creditor.route), outcome)


async def _tell_outcome(uow: UnitOfWork, whose: _Whose, route: Route, outcome: _Outcome) -> None:
    told = rules.feedback_for_outcome(
        route,
        outcome.category,
        creditor_consent=outcome.creditor_consent,
        collection_paused_until=outcome.collection_paused_until,
        debt_help=outcome.debt_help,
    )
    if told is not None:
        await _record(uow, told, whose)


async def _record(uow: UnitOfWork, told: rules.Told, whose: _Whose) -> None:
    await repository.add_feedback(
        uow.session,
        Feedback.of(
            told,
            signal_id=whose.signal_id,
            vlp_id=whose.vlp_id,
            vlp_reference=whose.vlp_reference,
            municipality=whose.municipality,
            forwarded_by=whose.forwarded_by,
            now=now_utc(),
        ),
    )


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """The topics that earn a creditor feedback or say whose signal it is, the creditors' keys
    (for the creditor API, checked by `vroeg.shared.creditor_keys`) and the tenant registry
    (where to forward)."""
    return [
        Subscription(SIGNAL_REFUSED, on_signal_refused, batch=True),
        Subscription(SIGNAL_REPEATED, on_signal_repeated, batch=True),
        Subscription(CASE_OUTCOME_REGISTERED, on_case_outcome, batch=True),
        Subscription(DEBT_HELP_SIGNAL_HANDLED, on_debt_help_handled, batch=True),
        creditor_keys.subscription(),
        tenants.subscription(),
        *(
            Subscription(ROUTE_TOPICS[route], on_signal_routed, batch=True, prepare=prepare_routes)
            for route in sorted(rules.ROUTES_READ)
        ),
    ]
