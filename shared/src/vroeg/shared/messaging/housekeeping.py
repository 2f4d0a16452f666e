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


async def purge_processed_events(
    database: Database, *, older_than: timedelta, chunk_rows: int
) -> tuple[int, int]:
    """Forget processed event ids older than `older_than`, at most `chunk_rows` per statement,
    each chunk in its own transaction; how many were forgotten, in how many chunks.

    Rows a consumer holds locked are skipped (taken next time), so a purge never waits on one.
    """
    inbox = processed_events.c
    purged = chunks = 0
    while True:
        due = (
            sa.select(inbox.consumer, inbox.event_id)
            .where(inbox.processed_at < sa.func.now() - older_than)
            .limit(chunk_rows)
            .with_for_update(skip_locked=True)
        )
        async with database.sessionmaker() as session, session.begin():
            result = await session.execute(
                sa.delete(processed_events).where(
                    sa.tuple_(inbox.consumer, inbox.event_id).in_(due)
                )
            )
        deleted = int(getattr(result, "rowcount", 0))
        purged += deleted
        chunks += 1 if deleted else 0
        if deleted < chunk_rows:
            return purged, chunks


def inbox_housekeeping(*, retention: timedelta, interval_s: float, chunk_rows: int) -> PeriodicJob:
    """The job that purges the inbox on a schedule.

    The retention must exceed how long the broker keeps records (7 days by default), so that
    any record that can still be redelivered still finds its id.
    """

    async def purge(database: Database) -> None:
        purged, chunks = await purge_processed_events(
            database, older_than=retention, chunk_rows=chunk_rows
        )
        if purged:
            log.info("purged processed event ids", extra={"count": purged, "chunks": chunks})

    return PeriodicJob(HOUSEKEEPING_JOB, interval_s, purge)
