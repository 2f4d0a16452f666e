"""Periodic clean-up of the inbox: processed event ids are kept only as long as they matter."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from vroeg.shared.messaging.tables import processed_events
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.supervision import PeriodicJob

log = logging.getLogger(__name__)

HOUSEKEEPING_JOB = "inbox-housekeeping"


async def purge_processed_events(database: Database, *, older_than: timedelta) -> int:
    """Forget processed event ids older than `older_than`; how many were forgotten."""
    async with database.sessionmaker() as session, session.begin():
        purged = await session.scalars(
            sa.delete(processed_events)
            .where(processed_events.c.processed_at < sa.func.now() - older_than)
            .returning(processed_events.c.event_id)
        )
        return len(purged.all())


def inbox_housekeeping(*, retention: timedelta, interval_s: float) -> PeriodicJob:
    """The job that purges the inbox on a schedule.

    The retention must exceed how long the broker keeps records (7 days by default), so that
    any record that can still be redelivered still finds its id.
    """

    async def purge(database: Database) -> None:
        purged = await purge_processed_events(database, older_than=retention)
        if purged:
            log.info("purged processed event ids", extra={"count": purged})

    return PeriodicJob(HOUSEKEEPING_JOB, interval_s, purge)
