"""followup's Kafka handlers: fix the first-contact deadline of every new case."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from functools import partial
from zoneinfo import ZoneInfo

from vroeg.followup import repository, rules
from vroeg.followup.models import Deadline
from vroeg.followup.settings import Settings
from vroeg.shared.events import CaseOpened, FirstContactDeadlineSet
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import CASE_OPENED


async def on_case_opened(uow: UnitOfWork, event: CaseOpened, *, settings: Settings) -> None:
    """Count the working days from the day the case opened (Dutch time) and announce it."""
    opened_on = event.occurred_at.astimezone(ZoneInfo(settings.timezone)).date()
    working_days = rules.first_contact_working_days(
        event.kinds, event.arrears_types, settings.default_first_contact_working_days
    )
    due = rules.add_working_days(opened_on, working_days, settings.decreed_days_off)
    await repository.add_deadline(
        uow.session,
        Deadline(
            case_id=event.case_id,
            municipality=event.municipality,
            opened_on=opened_on,
            due_date=due,
            working_days=working_days,
            crisis=event.crisis,
        ),
    )
    await uow.publish(
        FirstContactDeadlineSet(
            municipality=event.municipality,
            occurred_at=event.occurred_at,
            case_id=event.case_id,
            due_date=due,
            working_days=working_days,
            opened_on=opened_on,
        )
    )


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """New cases."""
    return [Subscription(CASE_OPENED, partial(on_case_opened, settings=settings), batch=True)]
