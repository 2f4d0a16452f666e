"""New objects of an `InsertedTogether` class are written by a flush as one statement whose
text is the same for any number of rows, and are then as if loaded: stored as the ORM would
store them, changed by later UPDATEs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.support.db import schema_engine
from tests.support.fixtures import Isolation
from vroeg.shared.db import create_sessionmaker
from vroeg.shared.new_rows import InsertedTogether


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema="new_rows_test")


class Household(InsertedTogether, Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(default="OPEN")
    state: Mapped[dict[str, int]] = mapped_column(JSONB)


class Member(InsertedTogether, Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    household_id: Mapped[int] = mapped_column(sa.ForeignKey(Household.id))
    note: Mapped[str | None]
    data: Mapped[dict[str, int] | None] = mapped_column(JSONB)


class Generated(InsertedTogether, Base):
    __tablename__ = "generated"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(server_default="now")


@pytest.fixture
async def engine(isolation: Isolation) -> AsyncIterator[AsyncEngine]:
    engine = await schema_engine(isolation.database_url, "new_rows_test", Base.metadata)
    yield engine
    await engine.dispose()


async def test_new_objects_of_any_number_are_one_prepared_statement_referred_to_first(
    engine: AsyncEngine,
) -> None:
    async with create_sessionmaker(engine)() as session, session.begin():
        for size in (1, 2, 3):
            start = 10 * size
            # A member added before its household: the household's row is written first.
            session.add_all(Member(id=start + n, household_id=start) for n in range(size))
            session.add_all(Household(id=start + n, state={"n": n}) for n in range(size))
            await session.flush()
        prepared = await session.scalars(
            sa.text(
                "SELECT statement FROM pg_prepared_statements "
                "WHERE statement LIKE 'INSERT INTO new_rows_test.%'"
            )
        )
        inserts = sorted(s.split(" (")[0] for s in prepared)

    # The ORM's insertmanyvalues: one per table and number of rows (3 each).
    assert inserts == ["INSERT INTO new_rows_test.households", "INSERT INTO new_rows_test.members"]
    async with engine.connect() as conn:
        members = (await conn.execute(sa.text("SELECT count(*) FROM members"))).scalar()
        households = await conn.execute(sa.text("SELECT id, status, state FROM households"))
        assert members == 6
        assert sorted(tuple(row) for row in households) == [
            (10, "OPEN", {"n": 0}),
            (20, "OPEN", {"n": 0}),
            (21, "OPEN", {"n": 1}),
            (30, "OPEN", {"n": 0}),
            (31, "OPEN", {"n": 1}),
            (32, "OPEN", {"n": 2}),
        ]


async def test_a_new_object_written_together_is_then_as_if_loaded(engine: AsyncEngine) -> None:
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session, session.begin():
        household = Household(id=1, state={"version": 1})
        member = Member(id=1, household_id=1)
        session.add_all([household, member])
        await session.flush()
        # The unset attributes hold what was stored: the default, NULL.
        assert (household.status, member.note, member.data) == ("OPEN", None, None)
        assert await session.get(Household, 1) is household
        household.status, household.state = "CLOSED", {"version": 2}
        member.note = "moved"
    async with sessionmaker() as session:
        stored = await session.get(Household, 1)
        assert stored is not None
        assert (stored.status, stored.state) == ("CLOSED", {"version": 2})
        assert (await session.get(Member, 1)).note == "moved"  # type: ignore[union-attr]
        # A JSON column left out is SQL NULL, as the ORM leaves it, not JSON's null.
        assert await session.scalar(sa.text("SELECT data IS NULL FROM members")) is True


async def test_a_new_object_rolled_back_is_new_again(engine: AsyncEngine) -> None:
    # As the ORM's own insert: added again, it is written (not taken as stored).
    async with create_sessionmaker(engine)() as session:
        household = Household(id=1, state={"n": 1})
        session.add(household)
        await session.flush()
        await session.rollback()
        assert sa.inspect(household).transient
        assert household.state == {"n": 1}
        session.add(household)
        await session.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM households"))).scalar() == 1


async def test_a_value_the_database_gives_is_refused(engine: AsyncEngine) -> None:
    # It would have to be read back, which one statement for all rows does not do.
    async with create_sessionmaker(engine)() as session:
        session.add(Generated(id=1))
        with pytest.raises(TypeError, match=r"generated\.at"):
            await session.flush()
