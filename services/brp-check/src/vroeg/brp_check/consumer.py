"""brp-check's Kafka handlers: check each received signal against the BRP and route it."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from functools import partial

from vroeg.brp_check import repository, rules
from vroeg.brp_check.brp import BrpClient
from vroeg.brp_check.brp_transport import CircuitBreaker, http_client
from vroeg.brp_check.debt_help import DebtHelpRegister, TableRegister
from vroeg.brp_check.models import Check
from vroeg.brp_check.settings import Settings
from vroeg.shared.events import Household, SignalReceived, SignalRouted, now_utc
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import SIGNAL_RECEIVED


async def on_signal_received(
    uow: UnitOfWork, event: SignalReceived, *, brp: BrpClient, debt_help: DebtHelpRegister
) -> None:
    """Look the debtor, their debt-help standing and household up; route; publish."""
    signal = event.signal
    candidates = await brp.find(signal)
    standing = (
        await debt_help.status(uow.session, event.municipality, candidates[0].bsn)
        if len(candidates) == 1
        else None
    )
    decision = rules.decide_route(
        candidates,
        municipality=event.municipality,
        signal_date=signal.signal_date,
        person_named=signal.debtor is not None,
        debt_help=standing,
    )
    household = None
    if len(candidates) == 1 and candidates[0].address_key:
        address_key = candidates[0].address_key
        birth_dates = await brp.residents(address_key)
        household = Household(
            address_key=address_key,
            size=len(birth_dates),
            minors_present=rules.count_minors(birth_dates, signal.signal_date) > 0,
        )
    now = now_utc()
    await repository.add_check(
        uow.session,
        Check(
            signal_id=signal.signal_id,
            municipality=event.municipality,
            route=decision.route,
            reasons=list(decision.reasons),
            checked_at=now,
        ),
    )
    await uow.publish(
        SignalRouted(
            municipality=event.municipality,
            occurred_at=now,
            route=decision.route,
            reasons=decision.reasons,
            signal=signal,
            household=household,
            registered_municipality=decision.registered_municipality,
        )
    )


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """Open the BRP client for the life of the service."""
    http = await stack.enter_async_context(http_client(settings))
    handler = partial(
        on_signal_received, brp=BrpClient(http, CircuitBreaker()), debt_help=TableRegister()
    )
    return [Subscription(SIGNAL_RECEIVED, handler)]
