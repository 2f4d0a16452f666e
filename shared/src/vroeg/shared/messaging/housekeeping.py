"""Periodic clean-up of the inbox: processed event ids are kept only as long as they matter."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import sqlalchemy as sa

from vroeg.shared.messaging.tables import processed_events
from vroeg.shared.messaging.unit_of_work import Database

log = logging.getLogger(__name__)


async def purge_processed_events(database: Database, *, older_than: timedelta) -> int:
    """Forget processed event ids older than `older_than`; how many were forgotten."""
    async with database.sessionmaker() as session, session.begin():
        purged = await session.scalars(
            sa.delete(processed_events)
            .where(processed_events.c.processed_at < sa.func.now() - older_than)
            .returning(processed_events.c.event_id)
        )
        return len(purged.all())


async def run_housekeeping(database: Database, *, retention: timedelta, interval_s: float) -> None:
    """Purge on a schedule until cancelled.

    The retention must exceed how long the broker keeps records (7 days by default), so that
    any record that can still be redelivered still finds its id.
    """
    while True:
        try:
            purged = await purge_processed_events(database, older_than=retention)
            if purged:
                log.info("purged processed event ids", extra={"count": purged})
        except Exception:
            log.exception("inbox housekeeping failed; will try again")
        await asyncio.sleep(interval_s)
