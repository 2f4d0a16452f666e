"""All of reporting's SQL: keeping each fact's row at its latest state, and the indicators'
queries (their text lives in the catalogue, `indicators`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.reporting.models import (
    FACT_TABLES,
    ROLLUP_TABLES,
    AgreementRow,
    AttemptRow,
    CaseRow,
    DeadlineRow,
    DebtHelpHandledRow,
    ForwardRow,
    IntermediateResultRow,
    MonthlyFigureRow,
    OutcomeRow,
    RouteFactRow,
    SignalFactRow,
    StaleMonthRow,
)
from vroeg.shared.clock import add_months
from vroeg.shared.sql import any_of
from vroeg.shared.upserts import Newer, insert_once, keep, later, table_of, upsert

_SIGNALS = table_of(SignalFactRow)
_ROUTES = table_of(RouteFactRow)
_CASES = table_of(CaseRow)
_ATTEMPTS = table_of(AttemptRow)
_OUTCOMES = table_of(OutcomeRow)
_DEADLINES = table_of(DeadlineRow)
_INTERMEDIATE_RESULTS = table_of(IntermediateResultRow)
_DEBT_HELP_HANDLED = table_of(DebtHelpHandledRow)
_FORWARDS = table_of(ForwardRow)
_AGREEMENTS = table_of(AgreementRow)


Rows = Sequence[Mapping[str, Any]]


async def _put(
    session: AsyncSession, table: sa.Table, rows: Rows, keys: tuple[str, ...], newer: Newer
) -> None:
    # The rows of one kind of fact have the same columns; one statement runs for them all
    # (one more for a key that comes again: in order, as if told twice).
    await keep(session, upsert(table, tuple(rows[0]), keys, newer), rows)


def _final_or_later(new: Any, table: sa.Table) -> sa.ColumnElement[bool]:
    return sa.tuple_(new.final, new.routed_at) > sa.tuple_(table.c.final, table.c.routed_at)


def _later_or_first_deadline(new: Any, table: sa.Table) -> sa.ColumnElement[bool]:
    return sa.or_(table.c.set_at.is_(None), new.set_at > table.c.set_at)


async def add_signals(session: AsyncSession, rows: Rows) -> None:
    """A signal's fact never changes: the first one stays."""
    await keep(session, insert_once(_SIGNALS, tuple(rows[0])), rows)


async def put_routes(session: AsyncSession, rows: Rows) -> None:
    """A final route replaces `review`, never the other way round; of two the later."""
    await _put(session, _ROUTES, rows, ("signal_id",), _final_or_later)


async def put_cases(session: AsyncSession, rows: Rows) -> None:
    """A case at its highest state version."""
    await _put(session, _CASES, rows, ("case_id",), later("version"))


async def put_attempts(session: AsyncSession, rows: Rows) -> None:
    """An attempt as last told."""
    await _put(session, _ATTEMPTS, rows, ("attempt_id",), later("as_of"))


async def put_outcomes(session: AsyncSession, rows: Rows) -> None:
    """A case's latest outcome."""
    await _put(session, _OUTCOMES, rows, ("case_id",), later("closed_at"))


async def put_deadlines(session: AsyncSession, rows: Rows) -> None:
    """A case's latest deadline (whether it was met or missed is kept beside it): only its
    date and when it was set change."""
    statement = upsert(
        _DEADLINES,
        tuple(rows[0]),
        ("case_id",),
        _later_or_first_deadline,
        sets=("due_date", "set_at"),
    )
    await keep(session, statement, rows)


async def mark_deadlines(session: AsyncSession, rows: Rows, *, column: str) -> None:
    """Mark what became of cases' deadlines (`met_on_time`, `missed`, `due_soon`; rows of
    `case_id`, `municipality` and the column): each is announced once per case, and any order
    of them gives the same row."""
    await keep(session, upsert(_DEADLINES, tuple(rows[0]), ("case_id",), sets=(column,)), rows)


async def add_intermediate_results(session: AsyncSession, rows: Rows) -> None:
    """A case's intermediate result is announced once."""
    await keep(session, insert_once(_INTERMEDIATE_RESULTS, tuple(rows[0])), rows)


async def add_debt_help_handled(session: AsyncSession, rows: Rows) -> None:
    """An SHV item is handled once."""
    await keep(session, insert_once(_DEBT_HELP_HANDLED, tuple(rows[0])), rows)


async def put_forwards(session: AsyncSession, rows: Rows) -> None:
    """A forward is decided once; were it told twice, the later decision stands."""
    await _put(session, _FORWARDS, rows, ("signal_id",), later("decided_at"))


async def put_agreements(session: AsyncSession, rows: Rows) -> None:
    """An agreement as last changed; a deletion too (an older change arriving late loses)."""
    await _put(session, _AGREEMENTS, rows, ("vlp_id", "municipality"), later("changed_at"))


async def clear(session: AsyncSession) -> None:
    """Empty every fact table and the rollup made of them (a rebuild starts from nothing)."""
    names = ", ".join(t.__tablename__ for t in (*FACT_TABLES, *ROLLUP_TABLES))
    await session.execute(sa.text(f"TRUNCATE {names}"))


@dataclass(frozen=True)
class Figure:
    """One indicator's numerator and denominator for one municipality (and breakdown key)."""

    municipality: str
    key: str
    numerator: Decimal
    denominator: Decimal | None


async def figures(
    session: AsyncSession, sql: str, municipalities: Sequence[str], start: date, end: date
) -> list[Figure]:
    """Run an indicator's query over the municipalities and the days [start, end)."""
    rows = await session.execute(
        sa.text(sql), {"ms": list(municipalities), "start": start, "end": end}
    )
    return [
        Figure(
            municipality=m,
            key=str(key),
            numerator=Decimal(num),
            denominator=None if den is None else Decimal(den),
        )
        for m, key, num, den in rows
    ]


async def stale_months(
    session: AsyncSession, municipalities: Sequence[str], start: date, end: date
) -> list[date]:
    """The months of [start, end) whose facts changed, for any of the municipalities, since
    the rollup kept their figures (or that it never kept)."""
    rows = await session.scalars(
        sa.select(StaleMonthRow.month)
        .where(
            any_of(StaleMonthRow.municipality, municipalities),
            StaleMonthRow.month >= start,
            StaleMonthRow.month < end,
        )
        .distinct()
        .order_by(StaleMonthRow.month)
    )
    return list(rows)


async def kept_figures(
    session: AsyncSession,
    indicators: Sequence[str],
    municipalities: Sequence[str],
    months: Sequence[date],
) -> list[tuple[str, Figure, Decimal | None]]:
    """The rollup's figures of the indicators for the municipalities, the months added up:
    per indicator, municipality and key the numerators and the denominators, and beside them
    the municipality's whole (a month's whole is the denominator its keys share, were the
    indicator a share) added up over the months, whether or not the key occurs in each."""
    rows = await session.execute(
        sa.text(
            "WITH f AS (SELECT * FROM monthly_figures WHERE municipality = ANY(:ms) "
            "AND month = ANY(:months) AND indicator = ANY(:names)), "
            "wholes AS (SELECT indicator, municipality, sum(whole) AS whole FROM ("
            "SELECT indicator, municipality, max(denominator) AS whole FROM f "
            "GROUP BY indicator, municipality, month) AS monthly GROUP BY 1, 2) "
            "SELECT f.indicator, f.municipality, f.key, sum(f.numerator), sum(f.denominator), "
            "max(wholes.whole) FROM f JOIN wholes USING (indicator, municipality) "
            "GROUP BY 1, 2, 3"
        ),
        {"ms": list(municipalities), "months": list(months), "names": list(indicators)},
    )
    return [(name, Figure(m, key, num, den), whole) for name, m, key, num, den, whole in rows]


async def take_stale_month(
    session: AsyncSession, *, after: date | None = None
) -> tuple[date, list[str]] | None:
    """The earliest stale month (later than `after`) and its stale municipalities, their
    marks taken (a mark a fact writes after this, even while the figures are computed, stays)."""
    earliest = sa.select(sa.func.min(StaleMonthRow.month))
    if after is not None:
        earliest = earliest.where(StaleMonthRow.month > after)
    month = await session.scalar(earliest)
    if month is None:
        return None
    taken = await session.scalars(
        sa.delete(StaleMonthRow)
        .where(StaleMonthRow.month == month)
        .returning(StaleMonthRow.municipality)
        .execution_options(synchronize_session=False)
    )
    return month, sorted(set(taken))


# A by-month indicator's figures written by PostgreSQL itself: a national month's thousands
# of rows never pass through Python. Its columns typed as `figures` reads them (a count's
# denominator is an untyped NULL).
_KEEP = """
    INSERT INTO monthly_figures (municipality, month, indicator, key, numerator, denominator)
    SELECT q.municipality, CAST(:start AS date), :indicator, q.key::text,
           q.numerator::numeric, q.denominator::numeric
    FROM ({query}) AS q(municipality, key, numerator, denominator)
"""


async def keep_figures(
    session: AsyncSession,
    month: date,
    municipalities: Sequence[str],
    indicators: Sequence[tuple[str, str]],
) -> None:
    """Replace the rollup's figures of a month for the municipalities with those of each
    indicator (name, query) over the month."""
    f = MonthlyFigureRow
    # No objects of these rows are in the session: without this the ORM fetched the key of
    # each row it deleted (a national month's thousands, every refresh) to evict them.
    await session.execute(
        sa.delete(f)
        .where(f.month == month, any_of(f.municipality, municipalities))
        .execution_options(synchronize_session=False)
    )
    period = {"ms": list(municipalities), "start": month, "end": add_months(month, 1)}
    for name, query in indicators:
        await session.execute(sa.text(_KEEP.format(query=query)), {**period, "indicator": name})
