"""All of feedback's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.feedback import webhooks
from vroeg.feedback.models import Feedback


async def add_feedback(session: AsyncSession, feedback: Feedback) -> None:
    """Store feedback for a creditor."""
    session.add(feedback)
    await session.flush()
    await webhooks.enqueue(session, feedback)


async def feedback_for_signal(session: AsyncSession, signal_id: uuid.UUID) -> Sequence[Feedback]:
    """The feedback on one signal, oldest first."""
    result = await session.scalars(
        sa.select(Feedback).where(Feedback.signal_id == signal_id).order_by(Feedback.created_at)
    )
    return result.all()
