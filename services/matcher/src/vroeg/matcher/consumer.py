"""matcher's Kafka handlers: routed signals into household cases; followup's closing and
reopening mirrored (contracts.md); and what the CBS export joins besides (domain §9)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

from vroeg.matcher import ddas, export, matching, rules
from vroeg.matcher.settings import Settings
from vroeg.shared.events import (
    CaseOutcomeRegistered,
    CaseReopened,
    ContactAttempted,
    DebtHelpSignalHandled,
    FirstContactMet,
    SignalFact,
    SignalRouted,
    now_utc,
)
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import (
    CASE_OUTCOME_REGISTERED,
    CASE_REOPENED,
    CONTACT_ATTEMPTED,
    DEBT_HELP_SIGNAL_HANDLED,
    FIRST_CONTACT_MET,
    ROUTE_TOPICS,
    SIGNAL_FACTS,
)


async def on_signal_routed(uow: UnitOfWork, event: SignalRouted) -> None:
    """Join the household's open case, or open one (R-MAT-1, R-MAT-2)."""
    await matching.join(uow, event, now_utc())


async def on_case_outcome_registered(uow: UnitOfWork, event: CaseOutcomeRegistered) -> None:
    """followup closed a case: it takes no new signals (R-FU-4)."""
    await matching.close(uow, event, now_utc())


async def on_case_reopened(uow: UnitOfWork, event: CaseReopened) -> None:
    """followup reopened a case: it takes signals again (§8.8.2)."""
    await matching.reopen(uow, event, now_utc())


async def on_signal_without_case(uow: UnitOfWork, event: SignalRouted) -> None:
    """A signal that reaches no case, kept for the CBS export only (domain §9)."""
    await export.keep_routed(uow, event, now_utc())


async def on_signal_fact(uow: UnitOfWork, event: SignalFact) -> None:
    """A signal intake refused, for the CBS export (R-IN-1 … R-IN-4)."""
    await export.keep_refused(uow, event)


async def on_contact_attempted(uow: UnitOfWork, event: ContactAttempted) -> None:
    """A contact attempt, for the CBS export (R-FU-2)."""
    await export.keep_attempt(uow, event)


async def on_first_contact_met(uow: UnitOfWork, event: FirstContactMet) -> None:
    """A case picked up, for the CBS export (R-FU-1)."""
    await export.keep_first_contact(uow, event)


async def on_debt_help_signal_handled(uow: UnitOfWork, event: DebtHelpSignalHandled) -> None:
    """The SHV professional's outcome, for the CBS export (R-BRP-4)."""
    await export.keep_debt_help_outcome(uow, event)


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """The route topics (those that lead to a case, and, for the export, the others but the
    review queue's), followup's lifecycle, attempts, first contacts and SHV outcomes, and
    intake's signal facts (for the export: those refused; the others are passed over)."""
    return [
        *(
            Subscription(
                ROUTE_TOPICS[route], on_signal_routed, batch=True, prepare=matching.prepare
            )
            for route in sorted(rules.ROUTES_WITH_CASE)
        ),
        Subscription(
            CASE_OUTCOME_REGISTERED,
            on_case_outcome_registered,
            batch=True,
            prepare=matching.prepare_lifecycle,
        ),
        Subscription(
            CASE_REOPENED, on_case_reopened, batch=True, prepare=matching.prepare_lifecycle
        ),
        *(
            Subscription(ROUTE_TOPICS[route], on_signal_without_case, batch=True)
            for route in sorted(ddas.ROUTES_WITHOUT_CASE)
        ),
        Subscription(CONTACT_ATTEMPTED, on_contact_attempted, batch=True),
        Subscription(FIRST_CONTACT_MET, on_first_contact_met, batch=True),
        Subscription(DEBT_HELP_SIGNAL_HANDLED, on_debt_help_signal_handled, batch=True),
        Subscription(SIGNAL_FACTS, on_signal_fact, batch=True, wants=export.refused),
    ]
