"""reporting's Kafka handlers: count what happens, per municipality."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack

from vroeg.reporting import repository, rules
from vroeg.reporting.settings import Settings
from vroeg.shared.events import Event
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import consumed_by


async def on_event(uow: UnitOfWork, event: Event) -> None:
    """Count an event (the inbox makes a redelivery count nothing)."""
    await repository.increment(uow.session, event.municipality, rules.metrics_for(event))


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """Every topic the catalogue lists reporting as a reader of."""
    return [Subscription(topic, on_event, batch=True) for topic in consumed_by("reporting")]
