"""A municipality's policy as numbered versions, kept side by side (intake's policy, the
matcher's priority policy, followup's contact plan): a save adds the next version, a read takes
the newest; what a version decided names its number, so nothing is rewritten after the fact.

The tables differ in their content; what they share is the key (`municipality`, `version`)
and the rule that two saves for one municipality never get the same number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from vroeg.shared.sql import any_of


class VersionedByMunicipality:
    """Mix into a mapped class: one row per (municipality, version)."""

    __tablename__: str

    municipality: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    version: Mapped[int] = mapped_column(primary_key=True)


V = TypeVar("V", bound=VersionedByMunicipality)


async def _next_version(
    session: AsyncSession, model: type[VersionedByMunicipality], municipality: str
) -> int:
    """The number the municipality's next version gets. Saves are serialised per municipality
    (a transaction lock, released at commit), so two at once get consecutive numbers."""
    await session.execute(
        sa.select(
            sa.func.pg_advisory_xact_lock(
                sa.func.hashtextextended(f"{model.__tablename__}:{municipality}", 0)
            )
        )
    )
    latest = await session.scalar(
        sa.select(sa.func.max(model.version)).where(model.municipality == municipality)
    )
    return (latest or 0) + 1


async def save_next(session: AsyncSession, row: V) -> V:
    """Save `row` (its version not yet set) as its municipality's next version."""
    row.version = await _next_version(session, type(row), row.municipality)
    session.add(row)
    await session.flush()
    return row


async def newest(
    session: AsyncSession, model: type[V], municipalities: Iterable[str] | None = None
) -> dict[str, V]:
    """The newest version of each municipality that saved one (of these municipalities, or
    all)."""
    query = (
        sa.select(model)
        .distinct(model.municipality)
        .order_by(model.municipality, model.version.desc())
    )
    if municipalities is not None:
        query = query.where(any_of(model.municipality, municipalities))
    return {row.municipality: row for row in await session.scalars(query)}
