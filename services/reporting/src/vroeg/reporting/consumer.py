"""reporting's Kafka handlers: each lean fact kept as the row of what it is about."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.reporting import repository, rules
from vroeg.reporting.settings import Settings
from vroeg.shared.events import (
    AgreementChanged,
    CaseIntermediateResult,
    CaseOpened,
    CaseOutcomeRegistered,
    CaseUpdated,
    ContactAttempted,
    DebtHelpSignalHandled,
    Event,
    FirstContactDeadlineSet,
    FirstContactDueSoon,
    FirstContactMet,
    FirstContactMissed,
    RouteFact,
    SignalFact,
    SignalForwarded,
)
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import consumed_by

# How a kind of fact is kept: the repository's function for its rows.
_Keeper = Callable[[AsyncSession, repository.Rows], Awaitable[None]]
# The deadline's column each of its announcements marks (a met one: whether on time).
_MARK_MET = partial(repository.mark_deadlines, column="met_on_time")
_MARK_MISSED = partial(repository.mark_deadlines, column="missed")
_MARK_DUE_SOON = partial(repository.mark_deadlines, column="due_soon")
# Where `prepare` leaves which events of a batch it kept (UnitOfWork.prepared).
_KEPT = "reporting.kept"


def _kept(event: Event) -> tuple[_Keeper, Mapping[str, Any]] | None:
    """How the fact is kept, and its row (None: not a fact reporting keeps)."""
    if isinstance(event, SignalFact):
        return repository.add_signals, rules.signal_row(event)
    if isinstance(event, RouteFact):
        return repository.put_routes, rules.route_row(event)
    if isinstance(event, CaseOpened | CaseUpdated):
        return repository.put_cases, rules.case_row(event.case_id, event.municipality, event.state)
    if isinstance(event, ContactAttempted):
        return repository.put_attempts, rules.attempt_row(event)
    if isinstance(event, CaseOutcomeRegistered):
        return repository.put_outcomes, rules.outcome_row(event)
    if isinstance(event, FirstContactDeadlineSet):
        return repository.put_deadlines, rules.deadline_row(event)
    if isinstance(event, FirstContactMet):
        return _MARK_MET, _fate(event, "met_on_time", event.on_time)
    if isinstance(event, FirstContactMissed):
        return _MARK_MISSED, _fate(event, "missed", True)
    if isinstance(event, FirstContactDueSoon):
        return _MARK_DUE_SOON, _fate(event, "due_soon", True)
    if isinstance(event, CaseIntermediateResult):
        return repository.add_intermediate_results, rules.intermediate_row(event)
    if isinstance(event, DebtHelpSignalHandled):
        return repository.add_debt_help_handled, rules.debt_help_row(event)
    if isinstance(event, SignalForwarded):
        return repository.put_forwards, rules.forward_row(event)
    if isinstance(event, AgreementChanged):
        return repository.put_agreements, rules.agreement_row(event)
    return None


def _fate(
    event: FirstContactMet | FirstContactMissed | FirstContactDueSoon, column: str, value: bool
) -> dict[str, Any]:
    return {"case_id": event.case_id, "municipality": event.municipality, column: value}


async def ingest(session: AsyncSession, events: Sequence[Event]) -> None:
    """Keep facts, one statement per kind with all of its rows: the same fact twice, or
    facts in another order, leave the same rows."""
    rows: dict[tuple[_Keeper, tuple[str, ...]], list[Mapping[str, Any]]] = {}
    for event in events:
        kept = _kept(event)
        if kept is not None:
            keep, row = kept
            rows.setdefault((keep, tuple(row)), []).append(row)
    for (keep, _), group in rows.items():
        await keep(session, group)


async def prepare(uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Keep a batch's facts at once (`ingest`); their handlers then have nothing left to do."""
    await ingest(uow.session, events)
    uow.prepared[_KEPT] = {event.id for event in events}


async def on_event(uow: UnitOfWork, event: Event) -> None:
    """A fact from a topic (the inbox skips a redelivery besides)."""
    if event.id not in uow.prepared.get(_KEPT, ()):  # handled alone (retried)
        await ingest(uow.session, [event])


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """Every topic the catalogue lists reporting as a reader of: lean facts only."""
    return [
        Subscription(topic, on_event, batch=True, prepare=prepare)
        for topic in consumed_by("reporting")
    ]
