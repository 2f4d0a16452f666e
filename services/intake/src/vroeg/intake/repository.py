"""All of intake's SQL."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.intake.models import Signal
from vroeg.shared.events import SignalData


async def add_signal(
    session: AsyncSession, signal: SignalData, *, municipality: str, received_at: datetime
) -> tuple[uuid.UUID, bool]:
    """Store a signal once per (VLP, reference) (R-IN-5); returns its id and whether it is new.

    `ON CONFLICT DO NOTHING` makes concurrent retries of one delivery agree on one row.
    """
    inserted = await session.scalar(
        insert(Signal)
        .values(
            id=signal.signal_id,
            vlp_id=signal.vlp_id,
            vlp_reference=signal.vlp_reference,
            municipality=municipality,
            kind=signal.kind,
            arrears_type=signal.arrears_type,
            received_at=received_at,
            data=signal.model_dump(mode="json"),
        )
        .on_conflict_do_nothing(index_elements=["vlp_id", "vlp_reference"])
        .returning(Signal.id)
    )
    if inserted is not None:
        return inserted, True
    existing = await session.scalar(
        sa.select(Signal.id).where(
            Signal.vlp_id == signal.vlp_id, Signal.vlp_reference == signal.vlp_reference
        )
    )
    assert existing is not None
    return existing, False


async def get_signal(session: AsyncSession, signal_id: uuid.UUID, *, vlp_id: str) -> Signal | None:
    """A signal, only as seen by the VLP that sent it."""
    return await session.scalar(
        sa.select(Signal).where(Signal.id == signal_id, Signal.vlp_id == vlp_id)
    )
