"""reporting's Kafka handlers: each lean fact kept as the row of what it is about."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

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


async def ingest(session: AsyncSession, event: Event) -> None:
    """Keep a fact: the same fact twice, or facts in another order, leave the same rows."""
    if isinstance(event, SignalFact):
        await repository.add_signal(session, rules.signal_row(event))
    elif isinstance(event, RouteFact):
        await repository.put_route(session, rules.route_row(event))
    elif isinstance(event, CaseOpened | CaseUpdated):
        await repository.put_case(
            session, rules.case_row(event.case_id, event.municipality, event.state)
        )
    elif isinstance(event, ContactAttempted):
        await repository.put_attempt(session, rules.attempt_row(event))
    elif isinstance(event, CaseOutcomeRegistered):
        await repository.put_outcome(session, rules.outcome_row(event))
    elif isinstance(event, FirstContactDeadlineSet):
        await repository.put_deadline(session, rules.deadline_row(event))
    elif isinstance(event, FirstContactMet):
        await repository.mark_deadline(
            session, event.case_id, event.municipality, "met_on_time", event.on_time
        )
    elif isinstance(event, FirstContactMissed):
        await repository.mark_deadline(session, event.case_id, event.municipality, "missed", True)
    elif isinstance(event, FirstContactDueSoon):
        await repository.mark_deadline(session, event.case_id, event.municipality, "due_soon", True)
    elif isinstance(event, CaseIntermediateResult):
        await repository.add_intermediate_result(session, rules.intermediate_row(event))
    elif isinstance(event, DebtHelpSignalHandled):
        await repository.add_debt_help_handled(session, rules.debt_help_row(event))
    elif isinstance(event, SignalForwarded):
        await repository.put_forward(session, rules.forward_row(event))
    elif isinstance(event, AgreementChanged):
        await repository.put_agreement(session, rules.agreement_row(event))


async def on_event(uow: UnitOfWork, event: Event) -> None:
    """A fact from a topic (the inbox skips a redelivery besides)."""
    await ingest(uow.session, event)


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """Every topic the catalogue lists reporting as a reader of: lean facts only."""
    return [Subscription(topic, on_event, batch=True) for topic in consumed_by("reporting")]
