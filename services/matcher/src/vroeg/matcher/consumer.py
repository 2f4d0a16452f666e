"""matcher's Kafka handlers: routed signals into household cases; followup's closing and
reopening mirrored (contracts.md)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

from vroeg.matcher import matching, rules
from vroeg.matcher.settings import Settings
from vroeg.shared.events import CaseOutcomeRegistered, CaseReopened, SignalRouted, now_utc
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import CASE_OUTCOME_REGISTERED, CASE_REOPENED, ROUTE_TOPICS


async def on_signal_routed(uow: UnitOfWork, event: SignalRouted) -> None:
    """Join the household's open case, or open one (R-MAT-1, R-MAT-2)."""
    await matching.join(uow, event, now_utc())


async def on_case_outcome_registered(uow: UnitOfWork, event: CaseOutcomeRegistered) -> None:
    """followup closed a case: it takes no new signals (R-FU-4)."""
    await matching.close(uow, event, now_utc())


async def on_case_reopened(uow: UnitOfWork, event: CaseReopened) -> None:
    """followup reopened a case: it takes signals again (§8.8.2)."""
    await matching.reopen(uow, event, now_utc())


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """The route topics that lead to a case, and followup's lifecycle."""
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
    ]
