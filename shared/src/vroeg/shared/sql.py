"""Statement pieces every service's repository uses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import QueryableAttribute


def any_of(
    column: sa.ColumnElement[Any] | QueryableAttribute[Any], values: Iterable[Any]
) -> sa.ColumnElement[bool]:
    """`column = ANY($1)`: one array parameter however many values. An IN list renders a
    parameter per value, so each count is a new statement: compiled again by SQLAlchemy,
    prepared again by asyncpg, parsed and planned again by PostgreSQL (and asyncpg takes at
    most 32,767 parameters). This statement's text is the same for every count."""
    # Without a string column's length: a cast to varchar(n)[] would cut longer values to
    # n characters without an error, so '03631' would match '0363'.
    item = sa.String() if isinstance(column.type, sa.String) else column.type
    return column == sa.any_(sa.literal(list(values), ARRAY(item)))
