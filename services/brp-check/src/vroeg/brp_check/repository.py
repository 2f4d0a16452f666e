"""All of brp-check's SQL."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.brp_check.models import Check


async def add_check(session: AsyncSession, check: Check) -> None:
    """Record a signal's route."""
    session.add(check)
    await session.flush()


async def get_check(session: AsyncSession, signal_id: uuid.UUID) -> Check | None:
    """A signal's route, if it was checked."""
    return await session.get(Check, signal_id)
