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
# Where `prepare` leaves which events of a batch it kept (UnitOfWork.prepared).
_KEPT = "reporting.kept"


def _case_row(event: CaseOpened | CaseUpdated) -> dict[str, Any]:
    return rules.case_row(event.case_id, event.municipality, event.state)


def _fate(column: str) -> Callable[[Any], dict[str, Any]]:
    """A deadline's fate as its row: a met one says whether on time, the others just are."""

    def row(event: FirstContactMet | FirstContactMissed | FirstContactDueSoon) -> dict[str, Any]:
        value = event.on_time if isinstance(event, FirstContactMet) else True
        return {"case_id": event.case_id, "municipality": event.municipality, column: value}

    return row


# Each kind of fact reporting keeps: how its rows are kept, and its row.
_KEEPERS: dict[type[Event], tuple[_Keeper, Callable[[Any], Mapping[str, Any]]]] = {
    SignalFact: (repository.add_signals, rules.signal_row),
    RouteFact: (repository.put_routes, rules.route_row),
    CaseOpened: (repository.put_cases, _case_row),
    CaseUpdated: (repository.put_cases, _case_row),
    ContactAttempted: (repository.put_attempts, rules.attempt_row),
    CaseOutcomeRegistered: (repository.put_outcomes, rules.outcome_row),
    FirstContactDeadlineSet: (repository.put_deadlines, rules.deadline_row),
    FirstContactMet: (
        partial(repository.mark_deadlines, column="met_on_time"),
        _fate("met_on_time"),
    ),
    FirstContactMissed: (partial(repository.mark_deadlines, column="missed"), _fate("missed")),
    FirstContactDueSoon: (partial(repository.mark_deadlines, column="due_soon"), _fate("due_soon")),
    CaseIntermediateResult: (repository.add_intermediate_results, rules.intermediate_row),
    DebtHelpSignalHandled: (repository.add_debt_help_handled, rules.debt_help_row),
    SignalForwarded: (repository.put_forwards, rules.forward_row),
    AgreementChanged: (repository.put_agreements, rules.agreement_row),
}


async def ingest(session: AsyncSession, events: Sequence[Event]) -> None:
    """Keep facts, one statement per kind with all of its rows: the same fact twice, or
    facts in another order, leave the same rows."""
    rows: dict[tuple[_Keeper, tuple[str, ...]], list[Mapping[str, Any]]] = {}
    for event in events:
        kept = _KEEPERS.get(type(event))
        if kept is not None:
            keep, row_of = kept
            row = row_of(event)
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
