"""New objects of the tables whose rows a batch adds by the dozen, written by a flush as one
statement per table whose text is the same for any number of rows (`upserts.insert_all`).

The ORM writes a flush's new objects through SQLAlchemy's insertmanyvalues, whose text differs
per number of rows; each text is a prepared statement, kept per connection (up to 100 of them,
the asyncpg dialect's cache) in the service and in its PostgreSQL server process. A
matcher's flushes of new cases and signals came in ~80 sizes per 10,000 signals: through a
100,000-signal run its memory rose to 232–243 MiB, with the pool's connections kept; to
141–147 with these.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event, orm

from vroeg.shared import upserts


class InsertedTogether:
    """A mapped class whose new objects a flush writes as one statement (a `Session`'s).

    They are written before the flush's changes to loaded rows, as the ORM writes a table's
    new rows before the changes to tables that refer to them; unlike the ORM, also before the
    changes to their own table, so no change in the same flush may free a unique value a new
    row takes (flush between the two). Every column is the object's, or a constant Python-side
    default: nothing the database generates, which would have to be read back; no inheritance,
    relationships or version counter (the ORM's). The rows a new object refers to are written
    by then (loaded, or `InsertedTogether` too)."""


class Session(orm.Session):
    """A session that writes new `InsertedTogether` objects as one statement per table."""


@event.listens_for(Session, "before_flush")
def _insert_together(
    session: orm.Session, _flush: orm.UOWTransaction, objects: Sequence[object] | None
) -> None:
    chosen = None if objects is None else {id(o) for o in objects}
    by_class: dict[type, list[object]] = {}
    for instance in session.new:
        if isinstance(instance, InsertedTogether) and (chosen is None or id(instance) in chosen):
            by_class.setdefault(type(instance), []).append(instance)
    if not by_class:
        return
    tables = {_table(cls): cls for cls in by_class}
    connection = session.connection()
    written: list[tuple[orm.InstanceState[Any], dict[str, Any]]] = []
    for table in sa.schema.sort_tables(tables):  # referred to first
        keeping, attributes = _statement(tables[table])
        rows = []
        for instance in by_class[tables[table]]:
            state: orm.InstanceState[Any] = sa.inspect(instance)
            row, left_out = _row(state.dict, attributes)
            rows.append(row)
            written.append((state, left_out))
        connection.execute(keeping.statement, upserts.arrays(keeping, rows))
    for state, left_out in written:
        state.dict.update(left_out)  # what was stored for the attributes never set
    # As the ORM's own flush makes what it inserted persistent: later changes are UPDATEs, and
    # a rollback makes them new objects again. Its only interface (shared/tests/test_new_rows.py).
    session._register_persistent({state for state, _ in written})


def _table(cls: type) -> sa.Table:
    return cast(sa.Table, sa.inspect(cls).local_table)


@dataclass(frozen=True)
class _Attribute:
    column: str
    key: str
    # What an attribute never set holds, and what its column is given (a JSON column's SQL
    # NULL, as when the ORM leaves it out, not JSON's null).
    unset: Any
    stored: Any


@functools.cache
def _statement(cls: type) -> tuple[upserts.Keeping, tuple[_Attribute, ...]]:
    mapper: orm.Mapper[Any] = orm.class_mapper(cls)
    table = _table(cls)
    if mapper.inherits or mapper.relationships or mapper.version_id_col is not None:
        raise TypeError(f"{table.name}: inherited, related or versioned (the ORM's to write)")
    if table.autoincrement_column is not None:
        raise TypeError(f"{table.name}: a key the database numbers")
    attributes = []
    for column in table.c:
        default = column.default
        generated = column.server_default is not None or column.identity is not None
        if generated or (default is not None and not default.is_scalar):
            raise TypeError(f"{table.name}.{column.name}: a value the database or a function gives")
        unset = cast(Any, default).arg if default is not None else None
        stored = sa.null() if unset is None and isinstance(column.type, sa.JSON) else unset
        key = mapper.get_property_by_column(column).key
        attributes.append(_Attribute(column.name, key, unset, stored))
    columns = tuple(a.column for a in attributes)
    return upserts.insert_all(table, columns), tuple(attributes)


def _row(
    values: dict[str, Any], attributes: tuple[_Attribute, ...]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An object's row, and what its attributes never set hold once it is written."""
    row, left_out = {}, {}
    for a in attributes:
        if a.key in values:
            value = values[a.key]
            if isinstance(value, sa.ClauseElement):
                raise TypeError(f"{a.column}: an SQL expression (the ORM's to write)")
            row[a.column] = value
        else:
            row[a.column], left_out[a.key] = a.stored, a.unset
    return row, left_out
