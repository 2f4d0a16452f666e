"""Reading a service's tables directly, as an operator would; a service's kind of engine on a
test's own schema."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from vroeg.shared.db import create_engine
from vroeg.shared.settings import ServiceSettings

T = TypeVar("T")


async def schema_engine(url: str, schema: str, metadata: sa.MetaData) -> AsyncEngine:
    """A service's kind of engine (`vroeg.shared.db`) on a new schema holding `metadata`'s
    tables."""
    engine = create_engine(ServiceSettings(database_url=url), schema=schema, service="test")
    async with engine.begin() as conn:
        await conn.execute(sa.schema.CreateSchema(schema))
        await conn.run_sync(metadata.create_all)
    return engine


def asyncpg_url(sqlalchemy_url: str) -> str:
    """The same database, in the form asyncpg takes."""
    return sqlalchemy_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def fetch(url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    """Rows of one query."""
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def execute(url: str, statement: str, *args: Any) -> None:
    """Run one statement, as an operator's psql session would."""
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        await conn.execute(statement, *args)
    finally:
        await conn.close()


async def eventually(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], timeout: float = 60
) -> T:
    """Poll `probe` until `done` holds for its result; the last result either way."""
    deadline = time.monotonic() + timeout
    result = await probe()
    while not done(result) and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        result = await probe()
    return result


async def unsent(url: str) -> int:
    """Events still in any service's outbox: decided, not yet on their topics."""
    schemas = await fetch(
        url, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox'"
    )
    total = 0
    for row in schemas:
        [count] = await fetch(url, f'SELECT count(*) AS n FROM "{row["table_schema"]}".outbox')
        total += int(count["n"])
    return total
