"""The scheduler's SQL: the deadlines it announces (R-FU-1) and the offer windows it watches
(R-FU-5), each a chunk at a time, rows another replica holds skipped."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.followup.models import Deadline, FollowupCase, Outcome
from vroeg.shared.events import CaseStatus

# The most deadlines one scheduler transaction announces: a large backlog goes in chunks.
SCHEDULER_CHUNK = 1000


@dataclass(frozen=True)
class Announced:
    """A deadline the scheduler just marked as announced."""

    case_id: uuid.UUID
    municipality: str
    due_date: date
    crisis: bool


async def mark_due_soon(session: AsyncSession, today: date, now: datetime) -> list[Announced]:
    """Mark (and return) up to a chunk of deadlines of open cases that became due soon and were
    not announced; rows another transaction holds are skipped. One statement."""
    return await _mark(
        session,
        Deadline.due_soon_sent_at,
        now,
        sa.and_(
            Deadline.due_soon_on <= today,
            # One that went straight past due is announced missed, not due soon.
            Deadline.due_date >= today,
            Deadline.due_soon_sent_at.is_(None),
            Deadline.met_on.is_(None),
        ),
    )


async def mark_missed(session: AsyncSession, today: date, now: datetime) -> list[Announced]:
    """Mark (and return) up to a chunk of deadlines of open cases that passed without a
    person's attempt and were not announced; rows another transaction holds are skipped."""
    return await _mark(
        session,
        Deadline.missed_sent_at,
        now,
        sa.and_(
            Deadline.due_date < today,
            Deadline.missed_sent_at.is_(None),
            Deadline.met_on.is_(None),
        ),
    )


async def _mark(
    session: AsyncSession,
    column: sa.orm.InstrumentedAttribute[datetime | None],
    now: datetime,
    condition: sa.ColumnElement[bool],
) -> list[Announced]:
    chosen = (
        sa.select(Deadline.case_id)
        .join(FollowupCase, FollowupCase.case_id == Deadline.case_id)
        .where(condition, FollowupCase.status == CaseStatus.OPEN)
        .order_by(Deadline.due_date)
        .limit(SCHEDULER_CHUNK)
        .with_for_update(of=Deadline, skip_locked=True)
        .scalar_subquery()
    )
    rows = await session.execute(
        sa.update(Deadline)
        .where(Deadline.case_id.in_(chosen))
        .values({column: now})
        .returning(Deadline.case_id, Deadline.municipality, Deadline.due_date, Deadline.crisis)
        .execution_options(synchronize_session=False)
    )
    return [Announced(*row) for row in rows.tuples()]


async def open_deadline_counts(session: AsyncSession) -> list[tuple[str, bool, str, int]]:
    """Open cases nobody tried to reach yet whose deadline the scheduler announced due soon or
    missed: (municipality, crisis, state, count)."""
    state = sa.case((Deadline.missed_sent_at.is_not(None), "missed"), else_="due_soon")
    rows = await session.execute(
        sa.select(Deadline.municipality, Deadline.crisis, state, sa.func.count())
        .join(FollowupCase, FollowupCase.case_id == Deadline.case_id)
        .where(
            FollowupCase.status == CaseStatus.OPEN,
            Deadline.met_on.is_(None),
            sa.or_(Deadline.due_soon_sent_at.is_not(None), Deadline.missed_sent_at.is_not(None)),
        )
        .group_by(Deadline.municipality, Deadline.crisis, state)
    )
    return [(m, bool(c), str(s), int(n)) for m, c, s, n in rows.tuples()]


def _offer_window_open(opened_before: datetime) -> sa.ColumnElement[bool]:
    # R-FU-5: an open case owing an offer, opened before the moment, on which nobody ever
    # registered an outcome (a reopened case had one: the window is no longer automatic).
    return sa.and_(
        FollowupCase.status == CaseStatus.OPEN,
        FollowupCase.offer_owed.is_(True),
        FollowupCase.opened_at < opened_before,
        ~sa.exists().where(Outcome.case_id == FollowupCase.case_id),
    )


async def intermediate_due(
    session: AsyncSession, opened_before: datetime, window_ended_before: datetime
) -> list[FollowupCase]:
    """Cases at least 14 days (policy) into their offer window, not yet past its end, with no
    outcome and no intermediate result yet, locked (another replica skips them)."""
    return list(
        await session.scalars(
            sa.select(FollowupCase)
            .where(
                _offer_window_open(opened_before),
                FollowupCase.opened_at >= window_ended_before,
                FollowupCase.intermediate_result_at.is_(None),
            )
            .order_by(FollowupCase.opened_at)
            .limit(SCHEDULER_CHUNK)
            .with_for_update(skip_locked=True)
        )
    )


async def offer_window_ended(session: AsyncSession, opened_before: datetime) -> list[FollowupCase]:
    """Cases whose 28-day (policy) offer window ended with no outcome registered, locked."""
    return list(
        await session.scalars(
            sa.select(FollowupCase)
            .where(_offer_window_open(opened_before))
            .order_by(FollowupCase.opened_at)
            .limit(SCHEDULER_CHUNK)
            .with_for_update(skip_locked=True)
        )
    )
