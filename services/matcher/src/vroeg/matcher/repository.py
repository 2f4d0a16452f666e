"""All of matcher's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.matcher.models import AuditEntry, Case, CaseSignal, PriorityPolicyVersion


async def lock_household(session: AsyncSession, municipality: str, household_key: str) -> None:
    """Serialise all work on one household's cases until the transaction ends (R-MAT-2):
    signals of one household handled at once by several partitions or replicas take turns."""
    await session.execute(
        sa.select(
            sa.func.pg_advisory_xact_lock(
                sa.func.hashtextextended(f"matcher:{municipality}:{household_key}", 0)
            )
        )
    )


async def household(
    session: AsyncSession, municipality: str, household_key: str, since: datetime
) -> tuple[list[Case], list[CaseSignal]]:
    """The household's cases that take signals or had one received since `since`, and all
    their signals."""
    recent = (
        sa.select(CaseSignal.case_id)
        .where(
            CaseSignal.municipality == municipality,
            CaseSignal.household_key == household_key,
            CaseSignal.received_at >= since,
        )
        .scalar_subquery()
    )
    cases = list(
        await session.scalars(
            sa.select(Case).where(
                Case.municipality == municipality,
                Case.household_key == household_key,
                sa.or_(Case.accepting, Case.id.in_(recent)),
            )
        )
    )
    if not cases:
        return [], []
    signals = list(
        await session.scalars(
            sa.select(CaseSignal).where(CaseSignal.case_id.in_([c.id for c in cases]))
        )
    )
    return cases, signals


async def person_signals(
    session: AsyncSession, municipality: str, bsns: Sequence[str], since: datetime
) -> list[CaseSignal]:
    """Persons' signals received since `since`, at any address (R-IN-5's same debt)."""
    return list(
        await session.scalars(
            sa.select(CaseSignal).where(
                CaseSignal.municipality == municipality,
                CaseSignal.bsn.in_(bsns),
                CaseSignal.received_at >= since,
            )
        )
    )


async def signal_known(session: AsyncSession, signal_id: uuid.UUID) -> bool:
    """Whether a signal is already in a case."""
    found = await session.scalar(
        sa.select(CaseSignal.signal_id).where(CaseSignal.signal_id == signal_id)
    )
    return found is not None


async def get_case(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    """One case."""
    return await session.get(Case, case_id)


async def add(session: AsyncSession, rows: Sequence[Case | CaseSignal]) -> None:
    """Store new cases and signals."""
    session.add_all(rows)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    """Write the changes made to loaded rows."""
    await session.flush()


async def case_signals(session: AsyncSession, case_id: uuid.UUID) -> list[CaseSignal]:
    """A case's signals, in receipt order."""
    return list(
        await session.scalars(
            sa.select(CaseSignal)
            .where(CaseSignal.case_id == case_id)
            .order_by(CaseSignal.received_at, CaseSignal.signal_id)
        )
    )


async def earlier_cases(session: AsyncSession, case: Case) -> list[Case]:
    """The other cases of a case's address, newest first (the recidive history, R-MAT-3)."""
    if case.household_key is None:
        return []
    return list(
        await session.scalars(
            sa.select(Case)
            .where(
                Case.municipality == case.municipality,
                Case.household_key == case.household_key,
                Case.id != case.id,
                Case.opened_at < case.opened_at,
            )
            .order_by(Case.opened_at.desc())
        )
    )


async def current_policy(session: AsyncSession, municipality: str) -> PriorityPolicyVersion | None:
    """The municipality's newest priority policy, if it saved one."""
    return await session.scalar(
        sa.select(PriorityPolicyVersion)
        .where(PriorityPolicyVersion.municipality == municipality)
        .order_by(PriorityPolicyVersion.version.desc())
        .limit(1)
    )


async def add_policy_version(
    session: AsyncSession,
    municipality: str,
    weights: dict[str, Any],
    vulnerable_areas: list[str],
    *,
    saved_at: datetime,
    saved_by: str,
) -> PriorityPolicyVersion:
    """Save a policy as the municipality's next version (serialised per municipality)."""
    await session.execute(
        sa.select(
            sa.func.pg_advisory_xact_lock(
                sa.func.hashtextextended(f"matcher:policy:{municipality}", 0)
            )
        )
    )
    latest = await session.scalar(
        sa.select(sa.func.max(PriorityPolicyVersion.version)).where(
            PriorityPolicyVersion.municipality == municipality
        )
    )
    policy = PriorityPolicyVersion(
        municipality=municipality,
        version=(latest or 0) + 1,
        weights=weights,
        vulnerable_areas=vulnerable_areas,
        saved_at=saved_at,
        saved_by=saved_by,
    )
    session.add(policy)
    await session.flush()
    return policy


async def add_audit(session: AsyncSession, entry: AuditEntry) -> None:
    """Append to the audit log."""
    session.add(entry)
    await session.flush()
