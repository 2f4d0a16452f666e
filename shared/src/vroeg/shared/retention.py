"""Retention (R-MAT-5): personal data is erased when the municipality's policy says it is due.

Each service declares what personal data it holds (`Erasure`: a table, the columns to erase,
the clock the policy counts from, the municipality column) and passes them in its
`ServiceSpec`; `retention_job` erases what is due on a schedule, by one replica at a time
(the policy itself, `RetentionPolicy`, is part of the settings). Rows are never deleted: the
non-personal facts (ids, municipality, dates, kinds, reasons, outcomes) stay for the monitor.

A copy that belongs to no case counts from receipt; once a service learns when a signal's
case closed, its `clock` becomes that moment (any SQL expression, e.g. a `coalesce` over a
`closed_at` column), and nothing else changes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vroeg.shared import metrics
from vroeg.shared.events import now_utc
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.settings import RetentionPolicy
from vroeg.shared.supervision import PeriodicJob

log = logging.getLogger(__name__)

RETENTION_JOB = "retention"


@dataclass(frozen=True)
class Erasure:
    """One table's personal data: what to erase, and from when the policy counts."""

    # How the job reports it (`intake.signal`), one name per kind of personal data.
    data_class: str
    table: sa.Table
    # Column name → the value it gets; None is SQL NULL, an expression rewrites (e.g. JSON keys).
    erase: Mapping[str, Any]
    clock: sa.ColumnElement[datetime]
    municipality: sa.ColumnElement[str]
    # Rows that still hold personal data; by default those with any erased column not NULL.
    holds: sa.ColumnElement[bool] | None = None

    def still_holding(self) -> sa.ColumnElement[bool]:
        """The rows the erasure has not yet done."""
        if self.holds is not None:
            return self.holds
        return sa.or_(*(self.table.c[name].is_not(None) for name in self.erase))

    def due(self, policy: RetentionPolicy, now: datetime) -> sa.ColumnElement[bool]:
        """Rows whose clock is older than their municipality's retention."""
        months: sa.ColumnElement[int] = (
            sa.case(
                dict(policy.by_municipality), value=self.municipality, else_=policy.default_months
            )
            if policy.by_municipality
            else sa.literal(policy.default_months)
        )
        moment = sa.bindparam("now", now, type_=sa.DateTime(timezone=True))
        return sa.and_(
            # Implied by the exact test, but a bound an index on the clock can use.
            self.clock < moment - sa.func.make_interval(0, policy.shortest_months),
            self.clock < moment - sa.func.make_interval(0, months),
        )


async def erase_due(
    sessionmaker: async_sessionmaker[AsyncSession],
    erasures: Sequence[Erasure],
    policy: RetentionPolicy,
    *,
    now: datetime,
    chunk: int = 1000,
) -> dict[str, int]:
    """Erase what is due, a chunk per transaction; how many rows each data class lost.

    Idempotent: erased rows no longer match. Rows another transaction holds are skipped (SKIP
    LOCKED) and taken the next time, so running it beside a request never waits or conflicts.
    """
    erased: dict[str, int] = {}
    for erasure in erasures:
        (key,) = erasure.table.primary_key.columns
        erased[erasure.data_class] = 0
        while True:
            chosen = (
                sa.select(key)
                .where(erasure.due(policy, now), erasure.still_holding())
                # Oldest first: lets an index on the clock find the few rows that fell due.
                .order_by(erasure.clock)
                .limit(chunk)
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
            async with sessionmaker() as session, session.begin():
                result = await session.execute(
                    sa.update(erasure.table)
                    .where(key.in_(chosen))
                    .values(dict(erasure.erase))
                    .execution_options(synchronize_session=False)
                )
            count = result.rowcount  # type: ignore[attr-defined]
            erased[erasure.data_class] += count
            if count < chunk:
                break
    return erased


def retention_job(
    erasures: Sequence[Erasure], policy: RetentionPolicy, *, interval_s: float
) -> PeriodicJob:
    """The periodic job that erases what fell due, reporting counts (never what was erased)."""

    async def erase(database: Database) -> dict[str, int]:
        erased = await erase_due(database.sessionmaker, erasures, policy, now=now_utc())
        for data_class, count in erased.items():
            metrics.RETENTION_ERASED.labels(data_class).inc(count)
        metrics.RETENTION_LAST_RUN.set_to_current_time()
        log.info(
            "retention: erased personal data",
            extra={"erased": erased, "erased_total": sum(erased.values())},
        )
        return erased

    return PeriodicJob(RETENTION_JOB, interval_s, erase)
