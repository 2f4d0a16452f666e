"""All of followup's SQL."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.followup.models import Deadline


async def add_deadline(session: AsyncSession, deadline: Deadline) -> None:
    """Store a case's first-contact deadline."""
    session.add(deadline)
    await session.flush()


async def get_deadline(session: AsyncSession, case_id: uuid.UUID) -> Deadline | None:
    """A case's first-contact deadline."""
    return await session.get(Deadline, case_id)


async def flush(session: AsyncSession) -> None:
    """Write the changes made to loaded rows."""
    await session.flush()
