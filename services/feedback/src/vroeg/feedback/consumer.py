"""feedback's Kafka handlers: record what each creditor may be told."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from uuid import UUID, uuid4

from vroeg.feedback import forwarding, repository, rules
from vroeg.feedback.models import Feedback
from vroeg.feedback.settings import Settings
from vroeg.shared import creditor_keys, tenants
from vroeg.shared.events import Event, SignalRefused, SignalRepeated, SignalRouted, now_utc
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_REFUSED, SIGNAL_REPEATED


async def on_signal_routed(uow: UnitOfWork, event: SignalRouted) -> None:
    """Store the feedback the route allows (R-FB), nothing more; a relocated signal with a known
    destination is forwarded first (Awb 2:3), and its feedback waits for that."""
    if forwarding.takes(event):
        await forwarding.on_relocated(uow, event)
        return
    feedback = rules.feedback_for_route(event.route)
    if feedback is not None:
        signal = event.signal
        await _record(uow, event, signal.signal_id, signal.vlp_id, signal.vlp_reference, *feedback)


async def on_signal_refused(uow: UnitOfWork, event: SignalRefused) -> None:
    """A refused signal: NIET_OPGEPAKT with the reason code (domain §4)."""
    await _record(
        uow,
        event,
        event.signal_id,
        event.vlp_id,
        event.vlp_reference,
        *rules.feedback_for_refusal(event.reason),
    )


async def on_signal_repeated(uow: UnitOfWork, event: SignalRepeated) -> None:
    """A repeat on the same debt (R-IN-5): NIET_OPGEPAKT HERHAALD_SIGNAAL."""
    await _record(
        uow,
        event,
        event.signal_id,
        event.vlp_id,
        event.vlp_reference,
        *rules.feedback_for_repeat(),
    )


async def _record(
    uow: UnitOfWork,
    event: Event,
    signal_id: UUID,
    vlp_id: str,
    vlp_reference: str,
    feedback_type: rules.FeedbackType,
    reason: rules.NotTakenUpReason | None,
) -> None:
    await repository.add_feedback(
        uow.session,
        Feedback(
            id=uuid4(),
            signal_id=signal_id,
            vlp_id=vlp_id,
            vlp_reference=vlp_reference,
            municipality=event.municipality,
            feedback_type=feedback_type,
            reason=reason,
            created_at=now_utc(),
        ),
    )


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """The route topics that earn a creditor feedback, the creditors' keys (for the creditor
    API, checked by `vroeg.shared.creditor_keys`) and the tenant registry (where to forward)."""
    return [
        Subscription(SIGNAL_REFUSED, on_signal_refused, batch=True),
        Subscription(SIGNAL_REPEATED, on_signal_repeated, batch=True),
        creditor_keys.subscription(),
        tenants.subscription(),
        *(
            Subscription(ROUTE_TOPICS[route], on_signal_routed, batch=True)
            for route in sorted(rules.ROUTES_WITH_FEEDBACK)
        ),
    ]
