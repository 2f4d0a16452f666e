"""New objects of the tables whose rows a batch adds by the dozen, written by a flush as one
statement per table whose text is the same for any number of rows (`upserts.insert_all`).

The ORM writes a flush's new objects through SQLAlchemy's insertmanyvalues, whose text differs
per number of rows; each text is a prepared statement, kept per connection (up to 100 of them,
the asyncpg dialect's cache) in the service and in its PostgreSQL server process. A
matcher's flushes of new cases and signals came in ~80 sizes per 10,000 signals: through a
100,000-signal run its memory grew by ~45 MiB, with the pool's connections kept.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import event, orm
from sqlalchemy.orm import make_transient_to_detached

from vroeg.shared import upserts


class InsertedTogether:
    """A mapped class whose new objects a flush writes as one statement (a `Session`'s).

    They are written before the flush's changes to loaded rows, as the ORM writes a table's
    new rows before the changes to tables that refer to them; unlike the ORM, also before the
    changes to their own table, so no change in the same flush may free a unique value a new
    row takes (flush between the two). Every column is the object's, or a constant Python-side
    default: nothing the database generates, which would have to be read back. The rows a new
    object refers to are written by then (loaded, or `InsertedTogether` too)."""


class Session(orm.Session):
    """A session that writes new `InsertedTogether` objects as one statement per table."""


@event.listens_for(Session, "before_flush")
def _insert_together(
    session: orm.Session, _flush: orm.UOWTransaction, objects: Sequence[object] | None
) -> None:
    chosen = None if objects is None else {id(o) for o in objects}
    new = sorted(
        (
            o
            for o in session.new
            if isinstance(o, InsertedTogether) and (chosen is None or id(o) in chosen)
        ),
        key=lambda o: sa.inspect(o).insert_order,
    )
    if not new:
        return
    by_class: dict[type, list[object]] = {}
    for instance in new:
        by_class.setdefault(type(instance), []).append(instance)
    tables = {_table(cls): cls for cls in by_class}
    connection = session.connection()
    for table in sa.schema.sort_tables(tables):  # referred to first
        keeping, attributes = _statement(tables[table])
        rows = [_row(instance, attributes) for instance in by_class[tables[table]]]
        connection.execute(keeping.statement, upserts.arrays(keeping, rows))
    for instance in new:
        # As if loaded: later changes to it are UPDATEs.
        session.expunge(instance)
        make_transient_to_detached(instance)
        session.add(instance)


def _table(cls: type) -> sa.Table:
    return cast(sa.Table, sa.inspect(cls).local_table)


# A column's attribute and the value it gets when left unset.
_Attribute = tuple[str, str, Any]


@functools.cache
def _statement(cls: type) -> tuple[upserts.Keeping, tuple[_Attribute, ...]]:
    mapper: orm.Mapper[Any] = orm.class_mapper(cls)
    table = _table(cls)
    attributes: list[_Attribute] = []
    for column in table.c:
        default = column.default
        generated = column.server_default is not None or column.identity is not None
        if generated or (default is not None and not default.is_scalar):
            raise TypeError(f"{table.name}.{column.name}: a value the database or a function gives")
        unset = cast(Any, default).arg if default is not None else None
        attributes.append((column.name, mapper.get_property_by_column(column).key, unset))
    columns = tuple(name for name, _, _ in attributes)
    return upserts.insert_all(table, columns), tuple(attributes)


def _row(instance: object, attributes: tuple[_Attribute, ...]) -> dict[str, Any]:
    values = sa.inspect(instance).dict
    row = {}
    for column, key, unset in attributes:
        row[column] = values.setdefault(key, unset)
    return row
