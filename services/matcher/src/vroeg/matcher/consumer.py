"""matcher's Kafka handlers: merge routed signals into household cases."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from uuid import uuid4

from vroeg.matcher import repository, rules
from vroeg.matcher.models import Case, CaseSignal
from vroeg.matcher.settings import Settings
from vroeg.shared.events import CaseOpened, SignalRouted, now_utc
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import ROUTE_TOPICS


async def on_signal_routed(uow: UnitOfWork, event: SignalRouted) -> None:
    """Join the household's open case, or open one and announce it (R-MAT-1, R-MAT-2)."""
    signal = event.signal
    key = rules.household_key(signal.address, event.household)
    now = now_utc()
    case_signal = CaseSignal(
        signal_id=signal.signal_id,
        vlp_id=signal.vlp_id,
        kind=signal.kind,
        arrears_type=signal.arrears_type,
        route=event.route,
        added_at=now,
    )
    case = await repository.open_case_for(uow.session, event.municipality, key)
    if case is not None:
        case_signal.case_id = case.id
        await repository.add_signal(uow.session, case_signal)
        return
    flags = rules.flags_for(event.route)
    case = Case(
        id=uuid4(),
        municipality=event.municipality,
        household_key=key,
        status=repository.OPEN,
        crisis=rules.is_crisis([signal.kind]),
        flags=list(flags),
        opened_at=now,
    )
    case_signal.case_id = case.id
    await repository.add_case(uow.session, case, case_signal)
    await uow.publish(
        CaseOpened(
            municipality=event.municipality,
            occurred_at=now,
            case_id=case.id,
            household_key=key,
            signal_ids=(signal.signal_id,),
            kinds=(signal.kind,),
            arrears_types=(signal.arrears_type,),
            flags=flags,
            crisis=case.crisis,
        )
    )


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """The route topics that lead to a case."""
    return [
        Subscription(ROUTE_TOPICS[route], on_signal_routed, batch=True)
        for route in sorted(rules.ROUTES_WITH_CASE)
    ]
