"""A batch's rows reach PostgreSQL as one statement, not one per row, and still mean what the
rows told one by one would: a key twice is applied twice, in order; JSON stays JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.support.db import schema_engine
from tests.support.fixtures import Isolation
from vroeg.shared.upserts import insert_once, keep, later, upsert

metadata = sa.MetaData(schema="batched_test")
facts = sa.Table(
    "facts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("tags", JSONB, nullable=False),
    sa.Column("note", sa.String(4)),
)
defaulted = sa.Table(
    "defaulted",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String, default="HUUR"),
)
COLUMNS = ("id", "version", "tags", "note")


@pytest.fixture
async def engine(isolation: Isolation) -> AsyncIterator[AsyncEngine]:
    engine = await schema_engine(isolation.database_url, "batched_test", metadata)
    async with engine.begin() as conn:
        # Counts the INSERT statements PostgreSQL runs on `facts` (a statement trigger).
        await conn.execute(sa.text("CREATE TABLE statements (at timestamptz DEFAULT now())"))
        await conn.execute(
            sa.text(
                "CREATE FUNCTION counted() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN INSERT INTO statements DEFAULT VALUES; RETURN NULL; END $$"
            )
        )
        await conn.execute(
            sa.text(
                "CREATE TRIGGER counting AFTER INSERT ON facts "
                "FOR EACH STATEMENT EXECUTE FUNCTION counted()"
            )
        )
    yield engine
    await engine.dispose()


async def _stored(engine: AsyncEngine) -> tuple[dict[int, tuple[Any, ...]], int]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(facts.c.id, facts.c.version, facts.c.tags, sa.text("jsonb_typeof(tags)"))
        )
        statements = await conn.scalar(sa.text("SELECT count(*) FROM statements"))
    return {row[0]: tuple(row[1:]) for row in rows}, int(statements or 0)


def _fact(id: int, version: int, tags: list[str] | None) -> dict[str, Any]:
    return {"id": id, "version": version, "tags": tags, "note": None}


async def test_an_upsert_of_a_batch_is_one_statement_per_time_a_key_comes(
    engine: AsyncEngine,
) -> None:
    rows = [
        _fact(1, 1, ["a"]),
        _fact(2, 1, []),
        _fact(1, 3, ["c"]),
        _fact(3, 1, None),
        _fact(1, 2, ["b"]),  # older than the one before it: changes nothing
    ]
    async with AsyncSession(engine) as session, session.begin():
        await keep(session, upsert(facts, COLUMNS, ("id",), later("version")), rows)

    stored, statements = await _stored(engine)
    assert stored == {
        1: (3, ["c"], "array"),
        2: (1, [], "array"),
        3: (1, None, "null"),  # JSON's null, as a row's own INSERT stores None
    }
    # Once for the keys' first rows, once for id 1's second, once for its third.
    assert statements == 3


async def test_insert_once_keeps_the_first_of_a_batch_in_one_statement(
    engine: AsyncEngine,
) -> None:
    rows = [_fact(1, 1, ["first"]), _fact(2, 1, []), _fact(1, 2, ["second"])]
    async with AsyncSession(engine) as session, session.begin():
        await keep(session, insert_once(facts, COLUMNS, ("id",)), rows)
        await keep(session, insert_once(facts, COLUMNS), [_fact(2, 9, ["again"])])

    stored, statements = await _stored(engine)
    assert stored == {1: (1, ["first"], "array"), 2: (1, [], "array")}
    assert statements == 2


async def test_a_value_too_long_for_its_column_is_refused_not_cut_short(
    engine: AsyncEngine,
) -> None:
    row = {**_fact(1, 1, []), "note": "HUURX"}
    async with AsyncSession(engine) as session:
        with pytest.raises(sa.exc.DBAPIError, match="too long"):
            await keep(session, insert_once(facts, COLUMNS), [row])


async def test_a_python_side_default_left_out_is_refused() -> None:
    # It would be computed once for the whole batch, not per row as a row's own INSERT does.
    with pytest.raises(ValueError, match="kind"):
        insert_once(defaulted, ("id",))


async def test_plain_inserts_of_many_rows_are_one_statement(engine: AsyncEngine) -> None:
    # The outbox's rows, the ORM's new objects: SQLAlchemy's "insertmanyvalues".
    async with engine.begin() as conn:
        await conn.execute(facts.insert(), [_fact(i, 1, [str(i)]) for i in range(1, 6)])

    stored, statements = await _stored(engine)
    assert sorted(stored) == [1, 2, 3, 4, 5]
    assert statements == 1
