"""All of reporting's SQL."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.reporting.models import Counter


async def increment(session: AsyncSession, municipality: str, metrics: Iterable[str]) -> None:
    """Add one to each counter."""
    for metric in metrics:
        statement = insert(Counter).values(municipality=municipality, metric=metric, value=1)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[Counter.municipality, Counter.metric],
                set_={"value": Counter.value + 1},
            )
        )


async def counters(session: AsyncSession, municipality: str) -> dict[str, int]:
    """All counters of a municipality."""
    rows = await session.execute(
        sa.select(Counter.metric, Counter.value).where(Counter.municipality == municipality)
    )
    return {metric: value for metric, value in rows.tuples()}
