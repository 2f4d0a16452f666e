"""All of matcher's SQL."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.matcher.models import Case, CaseSignal

OPEN = "OPEN"


async def open_case_for(
    session: AsyncSession, municipality: str, household_key: str
) -> Case | None:
    """The household's open case, if it has one (R-MAT-2)."""
    return await session.scalar(
        sa.select(Case).where(
            Case.municipality == municipality,
            Case.household_key == household_key,
            Case.status == OPEN,
        )
    )


async def add_case(session: AsyncSession, case: Case, first: CaseSignal) -> None:
    """Store a new case with its first signal."""
    session.add(case)
    await session.flush()
    session.add(first)
    await session.flush()


async def add_signal(session: AsyncSession, signal: CaseSignal) -> None:
    """Add a signal to an existing case."""
    session.add(signal)
    await session.flush()


async def get_case(session: AsyncSession, case_id: uuid.UUID) -> tuple[Case, int] | None:
    """A case and how many signals it has."""
    case = await session.get(Case, case_id)
    if case is None:
        return None
    count = await session.scalar(
        sa.select(sa.func.count()).select_from(CaseSignal).where(CaseSignal.case_id == case_id)
    )
    return case, int(count or 0)
