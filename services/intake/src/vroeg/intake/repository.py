"""All of intake's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.intake.models import (
    Agreement,
    AuditEntry,
    Batch,
    PolicyVersion,
    Signal,
    Vlp,
)
from vroeg.shared import upserts, versions
from vroeg.shared.creditor_keys import creditor_keys
from vroeg.shared.sql import any_of


async def key_state(session: AsyncSession, key_id: str, *, lock: bool = False) -> Row[Any] | None:
    """A key's row in the shared `creditor_keys` table (locked for an update if asked)."""
    query = sa.select(creditor_keys).where(creditor_keys.c.key_id == key_id)
    return (await session.execute(query.with_for_update() if lock else query)).first()


async def audit(
    session: AsyncSession,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    details: dict[str, Any],
) -> None:
    """Record an administrative act."""
    session.add(AuditEntry(at=at, actor=actor, action=action, subject=subject, details=details))
    await session.flush()


async def get_vlp(session: AsyncSession, vlp_id: str) -> Vlp | None:
    """A creditor."""
    return await session.get(Vlp, vlp_id)


async def add_vlp(session: AsyncSession, vlp: Vlp) -> bool:
    """Register a creditor; False if the id is taken."""
    inserted = await session.scalar(
        insert(Vlp)
        .values(id=vlp.id, name=vlp.name, vlp_type=vlp.vlp_type, created_at=vlp.created_at)
        .on_conflict_do_nothing()
        .returning(Vlp.id)
    )
    return inserted is not None


async def put_agreement(
    session: AsyncSession, vlp_id: str, municipality: str, starts_on: date, ends_on: date | None
) -> None:
    """Create or replace a creditor's agreement with a municipality."""
    statement = insert(Agreement).values(
        vlp_id=vlp_id, municipality=municipality, starts_on=starts_on, ends_on=ends_on
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[Agreement.vlp_id, Agreement.municipality],
            set_={"starts_on": starts_on, "ends_on": ends_on},
        )
    )


async def delete_agreement(
    session: AsyncSession, vlp_id: str, municipality: str
) -> Agreement | None:
    """Delete a creditor's agreement with a municipality; what it was (None: there was none)."""
    return await session.scalar(
        sa.delete(Agreement)
        .where(Agreement.vlp_id == vlp_id, Agreement.municipality == municipality)
        .returning(Agreement)
    )


async def agreements_of(session: AsyncSession, vlp_id: str) -> Sequence[Agreement]:
    """A creditor's agreements."""
    return (await session.scalars(sa.select(Agreement).where(Agreement.vlp_id == vlp_id))).all()


async def current_policies(
    session: AsyncSession, municipalities: Iterable[str]
) -> dict[str, PolicyVersion]:
    """The newest policy version of each municipality that has one."""
    return await versions.newest(session, PolicyVersion, municipalities)


async def add_policy_version(
    session: AsyncSession,
    municipality: str,
    thresholds: dict[str, str],
    required_attestations: dict[str, list[str]],
    now: datetime,
) -> PolicyVersion:
    """Save a policy as the municipality's next version."""
    return await versions.save_next(
        session,
        PolicyVersion(
            municipality=municipality,
            thresholds=thresholds,
            required_attestations=required_attestations,
            created_at=now,
        ),
    )


async def insert_signals(session: AsyncSession, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert signals, skipping (vlp, reference, forwarder) already stored; the ids inserted.

    `ON CONFLICT DO NOTHING` makes concurrent retries of one delivery agree on one row.
    """
    if not rows:
        return set()
    # One statement whose text is the same for any number of rows (one prepared statement),
    # not SQLAlchemy's insertmanyvalues, one text per number of rows.
    table = upserts.table_of(Signal)
    keeping = upserts.insert_once(table, tuple(c.name for c in table.c))
    inserted = await session.scalars(
        keeping.statement.returning(table.c.id), upserts.arrays(keeping, rows)
    )
    return set(inserted.all())


async def signals_by_reference(
    session: AsyncSession, vlp_id: str, forwarded_by: str, references: Sequence[str]
) -> dict[str, Signal]:
    """Stored signals of a creditor by its references."""
    rows = await session.scalars(
        sa.select(Signal).where(
            Signal.vlp_id == vlp_id,
            Signal.forwarded_by == forwarded_by,
            any_of(Signal.vlp_reference, references),
        )
    )
    return {row.vlp_reference: row for row in rows}


async def get_signal(session: AsyncSession, signal_id: uuid.UUID, *, vlp_id: str) -> Signal | None:
    """A signal, only as seen by the creditor that sent it: a forwarded one never (its
    original creditor sent it elsewhere, Awb 2:3)."""
    return await session.scalar(
        sa.select(Signal).where(
            Signal.id == signal_id, Signal.vlp_id == vlp_id, Signal.forwarded_by == ""
        )
    )


async def claim_batch(
    session: AsyncSession, batch_id: uuid.UUID, vlp_id: str, key: str | None, now: datetime
) -> bool:
    """Reserve a batch id (and its idempotency key); False if the key was used before.

    A concurrent request with the same key waits here until the first one commits.
    """
    inserted = await session.scalar(
        insert(Batch)
        .values(id=batch_id, vlp_id=vlp_id, idempotency_key=key, received_at=now, result={})
        .on_conflict_do_nothing()
        .returning(Batch.id)
    )
    return inserted is not None


async def save_batch_result(
    session: AsyncSession, batch_id: uuid.UUID, result: dict[str, Any]
) -> None:
    """Store a batch's results."""
    await session.execute(sa.update(Batch).where(Batch.id == batch_id).values(result=result))


async def batch_by_key(session: AsyncSession, vlp_id: str, key: str) -> Batch | None:
    """A creditor's batch by its idempotency key."""
    return await session.scalar(
        sa.select(Batch).where(Batch.vlp_id == vlp_id, Batch.idempotency_key == key)
    )


async def get_batch(session: AsyncSession, batch_id: uuid.UUID, *, vlp_id: str) -> Batch | None:
    """A batch, only as seen by the creditor that sent it."""
    return await session.scalar(
        sa.select(Batch).where(Batch.id == batch_id, Batch.vlp_id == vlp_id)
    )
