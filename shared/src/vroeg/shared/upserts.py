"""Statements that keep rows once or at their newest, built once per shape and executed with a
batch's rows as parameters: SQLAlchemy then reuses the compiled statement. Built anew per row
(`insert(Model).values(row)`, through the ORM's bulk path) they cost a consumer as much CPU
as the database's work (reporting's ingest went 1,020 → 2,360 facts/s). A batch is one
execution (one more for each time a key comes again), not one per row as with asyncpg's
executemany: 10,000 signals of a national month ran 341,000 statements with it, 92,000 with
this and the plain inserts' insertmanyvalues (`db.py`); reporting's statement triggers had
run once per row."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, Insert, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

# Whether a proposed row (`excluded`) replaces the stored one (the table's columns).
Newer = Callable[[Any, sa.Table], sa.ColumnElement[bool]]


def table_of(model: type[DeclarativeBase]) -> sa.Table:
    """A mapped class's table, for Core statements (not the ORM's bulk path)."""
    return cast(sa.Table, model.__table__)


@dataclass(frozen=True)
class Keeping:
    """A statement that keeps any number of rows in one execution (`keep`; one more for each
    time a key comes again): the rows travel as one array per column and are unnested, so the
    statement's text is the same for every batch size (one prepared statement), and
    PostgreSQL runs it, and a table's statement triggers, once per batch instead of once per
    row."""

    statement: Insert
    columns: tuple[str, ...]
    # A row that ON CONFLICT DO UPDATE may change only once per statement is found by these.
    keys: tuple[str, ...]


def _proposed(table: sa.Table, columns: tuple[str, ...]) -> Insert:
    """INSERT INTO table (columns) SELECT … FROM unnest(one array per column) AS proposed."""
    # A Python-side default would be computed once for the whole batch: none are left out.
    defaulted = [c.name for c in table.c if c.default is not None and c.name not in columns]
    if defaulted:
        raise ValueError(f"{table.name}: give {', '.join(defaulted)} (a Python-side default)")
    arrays = (sa.bindparam(_array(c), type_=_array_of(table.c[c])) for c in columns)
    proposed = sa.func.unnest(*arrays).table_valued(*columns).render_derived(name="proposed")
    return insert(table).from_select(
        list(columns), sa.select(*(proposed.c[c] for c in columns)), include_defaults=False
    )


def _array(column: str) -> str:
    return f"{column}_values"


def _array_of(column: sa.Column[Any]) -> ARRAY[Any]:
    """The array type of a column's values. Without a string's length: PostgreSQL cuts a value
    cast to varchar(n) short, where one assigned to the column is refused if too long. One
    dimension: a JSON column's lists are values, and its None JSON's null, as in a row's own
    INSERT."""
    element = column.type
    if isinstance(element, sa.String) and element.length is not None:
        element = element.copy()
        element.length = None
    return ARRAY(element, dimensions=1)


@functools.cache
def upsert(
    table: sa.Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    newer: Newer | None = None,
    sets: tuple[str, ...] | None = None,
) -> Keeping:
    """Insert rows of `columns`, or set a stored row's `sets` (by default all `columns` but
    its `keys`) to the proposed row's where `newer` holds (always without it). `newer` must be
    one function (module-level), not a new lambda per call: it is part of the statement's
    shape."""
    statement = _proposed(table, columns)
    proposed = statement.excluded
    changed = sets if sets is not None else tuple(c for c in columns if c not in keys)
    return Keeping(
        statement.on_conflict_do_update(
            index_elements=[table.c[key] for key in keys],
            set_={column: proposed[column] for column in changed},
            where=newer(proposed, table) if newer is not None else None,
        ),
        columns,
        keys,
    )


@functools.cache
def later(column: str) -> Newer:
    """The proposed row's `column` is greater (later, a higher version) than the stored
    row's: one function per column, as `upsert`'s shape wants."""

    def newer(proposed: Any, table: sa.Table) -> sa.ColumnElement[bool]:
        return proposed[column] > table.c[column]  # type: ignore[no-any-return]

    return newer


@functools.cache
def insert_all(table: sa.Table, columns: tuple[str, ...]) -> Keeping:
    """Insert every row of `columns`, in their order (a table whose key the database numbers,
    such as the outbox's sequence)."""
    return Keeping(_proposed(table, columns), columns, ())


@functools.cache
def insert_once(
    table: sa.Table, columns: tuple[str, ...], keys: tuple[str, ...] | None = None
) -> Keeping:
    """Insert rows of `columns` unless their key (`keys`, else any unique constraint) is
    there: the first one stays (also of two in one batch)."""
    statement = _proposed(table, columns).on_conflict_do_nothing(
        index_elements=[table.c[key] for key in keys] if keys else None
    )
    return Keeping(statement, columns, ())


async def keep(session: AsyncSession, keeping: Keeping, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run `keeping` for `rows`, in their order: as one statement, or, where a key comes twice
    (a fact told twice in a batch), one statement per time it comes, so that each is applied
    as if told alone, in order."""
    for part in _rounds(rows, keeping.keys):
        await session.execute(keeping.statement, arrays(keeping, part))


def arrays(keeping: Keeping, rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """`keeping`'s parameters for `rows`: one array per column."""
    return {_array(c): [row[c] for row in rows] for c in keeping.columns}


def _rounds(
    rows: Sequence[Mapping[str, Any]], keys: tuple[str, ...]
) -> list[Sequence[Mapping[str, Any]]]:
    """The rows split so that no round holds a key twice: a key's n-th row goes in round n;
    each round keeps the rows' order."""
    if not keys:
        return [rows] if rows else []
    rounds: list[list[Mapping[str, Any]]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(row)
    return list(rounds)
