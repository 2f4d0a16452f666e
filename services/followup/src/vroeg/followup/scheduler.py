"""The durable deadline scheduler (R-FU-1): deadlines live in PostgreSQL; a periodic job, run
by one replica at a time, announces each deadline that came due soon and each that was missed,
exactly once — the announcement is marked in the transaction that writes its event to the
outbox, and rows another transaction holds are skipped, so neither a restart nor a second
replica announces one twice. Time comes from the service's clock (`Settings.clock`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from vroeg.followup import repository
from vroeg.followup.settings import Settings
from vroeg.shared import metrics
from vroeg.shared.events import FirstContactDueSoon, FirstContactMissed
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.service import Resources
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.supervision import PeriodicJob

log = logging.getLogger(__name__)


async def announce_due(database: Database, settings: Settings) -> dict[str, int]:
    """Announce every deadline due soon and every one missed, a chunk per transaction."""
    announced = {"due_soon": 0, "missed": 0}
    clock = settings.clock
    while True:
        async with database.unit_of_work() as uow:
            now = clock.now()
            today = clock.today()
            soon = await repository.due_soon(uow.session, today)
            for deadline, case in soon:
                deadline.due_soon_sent_at = now
                await uow.publish(
                    FirstContactDueSoon(
                        municipality=case.municipality,
                        occurred_at=now,
                        case_id=case.case_id,
                        due_date=deadline.due_date,
                        crisis=deadline.crisis,
                    )
                )
            missed = await repository.missed(uow.session, today)
            for deadline, case in missed:
                deadline.missed_sent_at = now
                await uow.publish(
                    FirstContactMissed(
                        municipality=case.municipality,
                        occurred_at=now,
                        case_id=case.case_id,
                        due_date=deadline.due_date,
                        crisis=deadline.crisis,
                    )
                )
        announced["due_soon"] += len(soon)
        announced["missed"] += len(missed)
        if len(soon) < repository.SCHEDULER_CHUNK and len(missed) < repository.SCHEDULER_CHUNK:
            break
    for state, count in announced.items():
        metrics.DEADLINES_ANNOUNCED.labels(state).inc(count)
    if any(announced.values()):
        log.info("deadlines announced", extra={"announced": announced})
    return announced


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """The deadline scheduler, every `VROEG_SCHEDULER_INTERVAL_S`."""

    async def run(database: Database) -> dict[str, int]:
        return await announce_due(database, settings)

    return [PeriodicJob("deadlines", settings.scheduler_interval_s, run)]


async def open_deadline_gauges(database: Database, settings: ServiceSettings) -> None:
    """The `vroeg_open_deadlines` gauge, read at each scrape: the alerts on crisis deadlines
    due soon or missed watch it."""
    async with database.sessionmaker() as session:
        counts = await repository.open_deadline_counts(session)
    metrics.OPEN_DEADLINES.clear()
    for municipality, crisis, state, count in counts:
        metrics.OPEN_DEADLINES.labels(municipality, str(crisis).lower(), state).set(count)
