"""All of brp-check's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.brp_check.models import AuditEntry, Check, DebtHelpRegistration, Review
from vroeg.shared.events import CRISIS_KINDS


def add_check(session: AsyncSession, check: Check) -> None:
    """Record a signal's route (written with the transaction's other rows when it commits)."""
    session.add(check)


async def set_route(
    session: AsyncSession, signal_id: uuid.UUID, route: str, reasons: Sequence[str]
) -> None:
    """A reviewed signal's final route."""
    await session.execute(
        sa.update(Check).where(Check.signal_id == signal_id).values(route=route, reasons=reasons)
    )


async def get_check(session: AsyncSession, signal_id: uuid.UUID) -> Check | None:
    """A signal's route, if it was checked."""
    return await session.get(Check, signal_id)


async def get_debt_help(
    session: AsyncSession, municipality: str, bsn: str
) -> DebtHelpRegistration | None:
    """A resident's debt-help registration."""
    return await session.get(DebtHelpRegistration, (municipality, bsn))


async def debt_help_of(
    session: AsyncSession, people: Collection[tuple[str, str]]
) -> Sequence[DebtHelpRegistration]:
    """The registrations of these (municipality, BSN) pairs: the pairs as two arrays side by
    side, an index look-up per pair, one statement however many. (`municipality = ANY(…) AND
    bsn = ANY(…)` looked up every combination: a batch's 200 signals in 150 municipalities,
    30,000 look-ups and 31 ms a statement in a national month.)"""
    d, pairs = DebtHelpRegistration, list(people)
    wanted = (
        sa.func.unnest(
            sa.literal([m for m, _ in pairs], ARRAY(sa.String())),
            sa.literal([b for _, b in pairs], ARRAY(sa.String())),
        )
        .table_valued("municipality", "bsn")
        .render_derived(name="wanted")
    )
    return (
        await session.scalars(
            sa.select(d).join(
                wanted, sa.and_(d.municipality == wanted.c.municipality, d.bsn == wanted.c.bsn)
            )
        )
    ).all()


async def replace_debt_help(
    session: AsyncSession, municipality: str, rows: Sequence[dict[str, object]], now: datetime
) -> int:
    """Replace a municipality's whole register with an import, in one transaction; how many
    registrations it replaced."""
    deleted = await session.execute(
        sa.delete(DebtHelpRegistration).where(DebtHelpRegistration.municipality == municipality)
    )
    if rows:
        await session.execute(
            sa.insert(DebtHelpRegistration),
            [{**row, "municipality": municipality, "imported_at": now} for row in rows],
        )
    return int(getattr(deleted, "rowcount", 0))


# Undecided, and not erased by the retention policy (R-MAT-5), which would leave nothing to
# decide on.
_open = sa.and_(Review.decided_at.is_(None), Review.signal.is_not(None))


def add_review(session: AsyncSession, review: Review) -> None:
    """Queue a signal for review (written with the transaction's other rows when it commits)."""
    session.add(review)


async def open_reviews(
    session: AsyncSession, municipalities: Sequence[str], limit: int
) -> Sequence[Review]:
    """The open items of these municipalities: crisis signals first (their deadline runs,
    R-FU-1), each group oldest receipt first."""
    crisis_first = sa.case((Review.kind.in_(list(CRISIS_KINDS)), 0), else_=1)
    result = await session.scalars(
        sa.select(Review)
        .where(_open, Review.municipality.in_(municipalities))
        .order_by(crisis_first, Review.received_at, Review.signal_id)
        .limit(limit)
    )
    return result.all()


async def count_open_reviews(session: AsyncSession, municipalities: Sequence[str]) -> int:
    """How many items of these municipalities wait."""
    count = await session.scalar(
        sa.select(sa.func.count())
        .select_from(Review)
        .where(_open, Review.municipality.in_(municipalities))
    )
    return count or 0


async def oldest_open_reviews(
    session: AsyncSession, kinds: Iterable[str]
) -> dict[str, tuple[datetime, datetime]]:
    """Per municipality, of its open items of these signal kinds: when the oldest was queued,
    and the earliest receipt."""
    result = await session.execute(
        sa.select(
            Review.municipality, sa.func.min(Review.queued_at), sa.func.min(Review.received_at)
        )
        .where(_open, Review.kind.in_(list(kinds)))
        .group_by(Review.municipality)
    )
    return {municipality: (queued, received) for municipality, queued, received in result.tuples()}


async def get_review(
    session: AsyncSession,
    signal_id: uuid.UUID,
    municipalities: Sequence[str],
    *,
    for_update: bool = False,
) -> Review | None:
    """One item, only if it belongs to one of these municipalities; locked to decide it."""
    query = sa.select(Review).where(
        Review.signal_id == signal_id, Review.municipality.in_(municipalities)
    )
    if for_update:
        query = query.with_for_update()
    review: Review | None = await session.scalar(query)
    return review


async def add_audit(session: AsyncSession, entry: AuditEntry) -> None:
    """Append to the audit log."""
    session.add(entry)
    await session.flush()
