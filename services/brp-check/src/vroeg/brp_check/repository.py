"""All of brp-check's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.brp_check.models import Check, DebtHelpRegistration


async def add_check(session: AsyncSession, check: Check) -> None:
    """Record a signal's route."""
    session.add(check)
    await session.flush()


async def get_check(session: AsyncSession, signal_id: uuid.UUID) -> Check | None:
    """A signal's route, if it was checked."""
    return await session.get(Check, signal_id)


async def get_debt_help(
    session: AsyncSession, municipality: str, bsn: str
) -> DebtHelpRegistration | None:
    """A resident's debt-help registration."""
    return await session.get(DebtHelpRegistration, (municipality, bsn))


async def replace_debt_help(
    session: AsyncSession, municipality: str, rows: Sequence[dict[str, object]], now: datetime
) -> None:
    """Replace a municipality's whole register with an import, in one transaction."""
    await session.execute(
        sa.delete(DebtHelpRegistration).where(DebtHelpRegistration.municipality == municipality)
    )
    if rows:
        await session.execute(
            sa.insert(DebtHelpRegistration),
            [{**row, "municipality": municipality, "imported_at": now} for row in rows],
        )
