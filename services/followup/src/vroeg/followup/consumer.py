"""followup's Kafka handlers: fix each case's first-contact deadline, and tighten it when a
crisis signal joins the case (R-FU-1)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from functools import partial
from uuid import UUID
from zoneinfo import ZoneInfo

from vroeg.followup import repository, rules
from vroeg.followup.models import Deadline
from vroeg.followup.settings import Settings
from vroeg.shared.events import CaseOpened, CaseState, CaseUpdated, FirstContactDeadlineSet
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import CASE_OPENED, CASE_UPDATED


async def on_case_changed(
    uow: UnitOfWork, event: CaseOpened | CaseUpdated, *, settings: Settings
) -> None:
    """Count each signal's working days from its receipt (Dutch date) and keep the earliest:
    a new case gets its deadline, a case a crisis signal joined gets the tighter one; either
    is announced. A deadline is never loosened, so the order of the events does not matter."""
    await _fix_deadline(uow, event.case_id, event.municipality, event.state, settings, event)


async def _fix_deadline(
    uow: UnitOfWork,
    case_id: UUID,
    municipality: str,
    state: CaseState,
    settings: Settings,
    event: CaseOpened | CaseUpdated,
) -> None:
    zone = ZoneInfo(settings.timezone)
    due, working_days, counted_from = rules.first_contact_due(
        ((s.received_at.astimezone(zone).date(), s.kind, s.arrears_type) for s in state.signals),
        settings.default_first_contact_working_days,
        settings.decreed_days_off,
    )
    deadline = await repository.get_deadline(uow.session, case_id)
    if deadline is None:
        await repository.add_deadline(
            uow.session,
            Deadline(
                case_id=case_id,
                municipality=municipality,
                opened_on=counted_from,
                due_date=due,
                working_days=working_days,
                crisis=state.crisis,
            ),
        )
    elif due < deadline.due_date:
        deadline.opened_on, deadline.due_date = counted_from, due
        deadline.working_days, deadline.crisis = working_days, deadline.crisis or state.crisis
        await repository.flush(uow.session)
    else:
        # No sooner due, yet a crisis case all the same (an eviction, an energy disconnection).
        if state.crisis and not deadline.crisis:
            deadline.crisis = True
            await repository.flush(uow.session)
        return
    await uow.publish(
        FirstContactDeadlineSet(
            municipality=municipality,
            occurred_at=event.occurred_at,
            case_id=case_id,
            due_date=due,
            working_days=working_days,
            opened_on=counted_from,
        )
    )


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """New and changed cases."""
    handler = partial(on_case_changed, settings=settings)
    return [
        Subscription(CASE_OPENED, handler, batch=True),
        Subscription(CASE_UPDATED, handler, batch=True),
    ]
