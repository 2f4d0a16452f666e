"""Inbox housekeeping: every service's inbox is indexed by processed_at, and old ids are
purged in bounded chunks while recent ones stay."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from vroeg.shared.migrations import upgrade_to_head
from vroeg.shared.topics import SERVICES


async def test_every_service_indexes_its_inbox_by_processed_at(isolation: Isolation) -> None:
    for service in SERVICES:
        schema = service.replace("-", "_")
        # As the service connects: its own schema first on the search path.
        engine = create_async_engine(
            isolation.database_url, connect_args={"server_settings": {"search_path": schema}}
        )
        try:
            await upgrade_to_head(
                engine, schema=schema, script_location=f"vroeg.{schema}:migrations"
            )
        finally:
            await engine.dispose()
    indexed = await fetch(
        isolation.database_url,
        "SELECT schemaname FROM pg_indexes WHERE tablename = 'processed_events' "
        "AND indexdef LIKE '%(processed_at)%'",
    )
    assert sorted(r["schemaname"] for r in indexed) == sorted(s.replace("-", "_") for s in SERVICES)


async def test_old_inbox_ids_are_purged_in_chunks_and_recent_ones_kept(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    matcher = make_platform()["matcher"]
    matcher.start({"VROEG_HOUSEKEEPING_INTERVAL_S": "2", "VROEG_HOUSEKEEPING_CHUNK_ROWS": "1000"})
    matcher.wait_ready()
    await execute(
        isolation.database_url,
        "INSERT INTO matcher.processed_events (consumer, event_id, processed_at) "
        "SELECT 'matcher', 'old-' || n, now() - interval '15 days' FROM generate_series(1, 2500) n",
    )
    await execute(
        isolation.database_url,
        "INSERT INTO matcher.processed_events (consumer, event_id, processed_at) "
        "SELECT 'matcher', 'new-' || n, now() - interval '13 days' FROM generate_series(1, 5) n",
    )

    async def left() -> list[str]:
        rows = await fetch(isolation.database_url, "SELECT event_id FROM matcher.processed_events")
        return sorted(r["event_id"] for r in rows)

    assert await eventually(left, lambda ids: len(ids) == 5) == [f"new-{n}" for n in range(1, 6)]
    purges = [
        json.loads(line)
        for line in matcher.tail(200000).splitlines()
        if "purged processed event ids" in line
    ]
    assert [(p["count"], p["chunks"]) for p in purges] == [(2500, 3)]
