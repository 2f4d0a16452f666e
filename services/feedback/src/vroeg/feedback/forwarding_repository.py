"""All of forwarding's SQL (feedback's `forwards` table)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.feedback.models import Forward

WAITING = "WAITING"
FORWARDED = "FORWARDED"
NOT_FORWARDED = "NOT_FORWARDED"


async def add_forward(session: AsyncSession, forward: Forward) -> bool:
    """Record a forward; False if the signal has one already (a redelivered route)."""
    table = cast(sa.Table, Forward.__table__)
    values = {column.name: getattr(forward, column.name) for column in table.columns}
    inserted = await session.scalar(
        insert(table).values(**values).on_conflict_do_nothing().returning(table.c.signal_id)
    )
    return inserted is not None


async def next_due(session: AsyncSession, now: datetime) -> Forward | None:
    """The waiting forward due longest, locked; another replica skips it (SKIP LOCKED)."""
    return await session.scalar(
        sa.select(Forward)
        .where(
            Forward.status == WAITING,
            Forward.next_attempt_at <= now,
            Forward.payload.is_not(None),
        )
        .order_by(Forward.next_attempt_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


async def claimed(session: AsyncSession, signal_id: uuid.UUID, attempt: int) -> Forward | None:
    """A forward still waiting at the `attempt`-th post, locked to record that post's end;
    None once it was decided, or claimed again (its lease ended)."""
    return await session.scalar(
        sa.select(Forward)
        .where(
            Forward.signal_id == signal_id,
            Forward.status == WAITING,
            Forward.attempts == attempt,
        )
        .with_for_update()
    )


async def forwards_of(
    session: AsyncSession, municipalities: Collection[str], *, limit: int
) -> Sequence[Forward]:
    """The municipalities' forwards, newest first."""
    result = await session.scalars(
        sa.select(Forward)
        .where(Forward.municipality.in_(list(municipalities)))
        .order_by(Forward.created_at.desc(), Forward.signal_id)
        .limit(limit)
    )
    return result.all()


async def get_forward(session: AsyncSession, signal_id: uuid.UUID) -> Forward | None:
    """A signal's forward."""
    return await session.get(Forward, signal_id)
