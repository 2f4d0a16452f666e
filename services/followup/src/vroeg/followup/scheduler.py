"""The durable deadline scheduler (R-FU-1): deadlines live in PostgreSQL; a periodic job, run
by one replica at a time, announces each deadline that came due soon and each that was missed,
exactly once — the announcement is marked in the transaction that writes its event to the
outbox, and rows another transaction holds are skipped, so neither a restart nor a second
replica announces one twice. Time comes from the service's clock (`Settings.clock`).

The offer window (R-FU-5) is a second job of the same kind: 14 days (policy) after a case
opened with no outcome registered, `CaseIntermediateResult` (marked on the case); 28 days
after, the case closes `NIET_BEREIKT` through `work.close` (the closing is its own mark). A
case a person closed, or one with any outcome registered, is never touched."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from vroeg.followup import repository, rules, schedule_repository, work
from vroeg.followup.consumer import SYSTEM
from vroeg.followup.settings import Settings
from vroeg.shared import metrics
from vroeg.shared.clock import dutch_date
from vroeg.shared.events import (
    CaseIntermediateResult,
    FirstContactDueSoon,
    FirstContactMissed,
    OutcomeCategory,
)
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
            soon = await schedule_repository.mark_due_soon(uow.session, today, now)
            missed = await schedule_repository.mark_missed(uow.session, today, now)
            await uow.publish_many(
                [
                    *(
                        FirstContactDueSoon(
                            municipality=d.municipality,
                            occurred_at=now,
                            case_id=d.case_id,
                            due_date=d.due_date,
                            crisis=d.crisis,
                        )
                        for d in soon
                    ),
                    *(
                        FirstContactMissed(
                            municipality=d.municipality,
                            occurred_at=now,
                            case_id=d.case_id,
                            due_date=d.due_date,
                            crisis=d.crisis,
                        )
                        for d in missed
                    ),
                ]
            )
        announced["due_soon"] += len(soon)
        announced["missed"] += len(missed)
        if (
            len(soon) < schedule_repository.SCHEDULER_CHUNK
            and len(missed) < schedule_repository.SCHEDULER_CHUNK
        ):
            break
    for state, count in announced.items():
        metrics.DEADLINES_ANNOUNCED.labels(state).inc(count)
    if any(announced.values()):
        log.info("deadlines announced", extra={"announced": announced})
    return announced


async def settle_offer_windows(database: Database, settings: Settings) -> dict[str, int]:
    """R-FU-5: the intermediate result of each case 14 days in, and the closing of each whose
    28-day window ended, with nothing registered by a person; a chunk per transaction."""
    settled = {"intermediate": 0, "closed": 0}
    clock, zone = settings.clock, ZoneInfo(settings.timezone)

    def opened_before(days: int) -> datetime:
        # Opened on a Dutch date at least `days` ago: before the start of the day after it.
        return datetime.combine(clock.today() - timedelta(days=days - 1), time(), tzinfo=zone)

    while True:
        async with database.unit_of_work() as uow:
            now = clock.now()
            window_ended = opened_before(settings.offer_window_days)
            due = await schedule_repository.intermediate_due(
                uow.session, opened_before(settings.intermediate_result_days), window_ended
            )
            ended = await schedule_repository.offer_window_ended(uow.session, window_ended)
            summaries = await repository.attempt_summaries(
                uow.session, [case.case_id for case in (*due, *ended)]
            )
            for case in due:
                attempts, reached = summaries.get(case.case_id, (0, False))
                case.intermediate_result_at = now
                await uow.publish(
                    CaseIntermediateResult(
                        municipality=case.municipality,
                        occurred_at=now,
                        case_id=case.case_id,
                        opened_at=case.opened_at,
                        attempts=attempts,
                        reached=reached,
                        offer_window_ends_on=rules.offer_window_day(
                            dutch_date(case.opened_at), settings.offer_window_days
                        ),
                    )
                )
            for case in ended:
                _, reached = summaries.get(case.case_id, (0, False))
                await work.close(
                    uow,
                    case,
                    category=OutcomeCategory.NIET_BEREIKT,
                    detail=rules.automatic_result(reached),
                    actor=SYSTEM,
                    now=now,
                )
        settled["intermediate"] += len(due)
        settled["closed"] += len(ended)
        if (
            len(due) < schedule_repository.SCHEDULER_CHUNK
            and len(ended) < schedule_repository.SCHEDULER_CHUNK
        ):
            break
    if any(settled.values()):
        log.info("offer windows settled", extra={"settled": settled})
    return settled


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """The deadline scheduler and, by policy, the offer window's, every
    `VROEG_SCHEDULER_INTERVAL_S`."""

    async def run(database: Database) -> dict[str, int]:
        return await announce_due(database, settings)

    async def run_offer_windows(database: Database) -> dict[str, int]:
        return await settle_offer_windows(database, settings)

    scheduled = [PeriodicJob("deadlines", settings.scheduler_interval_s, run)]
    if settings.offer_window_automatic:
        scheduled.append(
            PeriodicJob("offer-window", settings.scheduler_interval_s, run_offer_windows)
        )
    return scheduled


async def open_deadline_gauges(database: Database, settings: ServiceSettings) -> None:
    """The `vroeg_open_deadlines` gauge, read at each scrape: the alerts on crisis deadlines
    due soon or missed watch it."""
    async with database.sessionmaker() as session:
        counts = await schedule_repository.open_deadline_counts(session)
    metrics.OPEN_DEADLINES.clear()
    for municipality, crisis, state, count in counts:
        metrics.OPEN_DEADLINES.labels(municipality, str(crisis).lower(), state).set(count)
