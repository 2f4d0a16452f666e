"""The relay's transaction cannot hang on the database (issue 8, item 5): a statement that waits
on an operator's lock is ended by `statement_timeout`, a transaction whose process stops
answering is ended by `idle_in_transaction_session_timeout`; either way the relay retries and
every row still goes out once."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter

import asyncpg
import httpx

from tests.support.db import asyncpg_url, eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from tests.support.kafka import headers_of, read_topic
from tests.support.signals import jansen_body
from vroeg.shared.topics import SIGNAL_RECEIVED

# The relay's transactions: intake's sessions that lock the outbox or read its oldest rows.
_RELAY_TRANSACTIONS = """
    SELECT state, extract(epoch FROM now() - xact_start) AS age, backend_xid, backend_xmin
    FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'vroeg-intake'
      AND xact_start IS NOT NULL
      AND (query ILIKE 'LOCK TABLE outbox%' OR query ILIKE '%FROM outbox ORDER BY%')
"""


async def _delivered_once(isolation: Isolation, count: int) -> None:
    records = await read_topic(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=count)
    assert len(records) == count
    assert Counter(headers_of(r)["ce_id"] for r in records).most_common(1)[0][1] == 1
    remaining = await eventually(
        lambda: fetch(isolation.database_url, "SELECT seq FROM intake.outbox"), lambda r: r == []
    )
    assert remaining == []


async def test_a_relay_statement_waiting_on_a_lock_is_ended_and_retried(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    intake = make_platform()["intake"]
    intake.start({"VROEG_OUTBOX_STATEMENT_TIMEOUT_S": "1"})
    intake.wait_ready()
    key = await creditor_key(intake.url)

    operator = await asyncpg.connect(asyncpg_url(isolation.database_url))
    observer = await asyncpg.connect(asyncpg_url(isolation.database_url))
    try:
        # An operator's session locks the outbox: the relay's locking of it waits on it, and
        # so do intake's inserts (the signals are accepted once the lock goes).
        lock = operator.transaction()
        await lock.start()
        await operator.execute("LOCK TABLE intake.outbox IN EXCLUSIVE MODE")
        async with httpx.AsyncClient(
            base_url=intake.url, headers={"X-Api-Key": key}, timeout=120
        ) as http:
            posts = [
                asyncio.create_task(http.post("/v1/signalen", json=jansen_body(f"lock-{n}")))
                for n in range(3)
            ]
            # Held well past the statement timeout: the relay's transactions come and go,
            # none lives much longer than the limit.
            seen, oldest = 0, 0.0
            deadline = time.monotonic() + 12
            while time.monotonic() < deadline:
                for row in await observer.fetch(_RELAY_TRANSACTIONS):
                    seen += 1
                    oldest = max(oldest, float(row["age"]))
                await asyncio.sleep(0.1)
            assert seen > 0, "the relay never waited on the lock"
            assert oldest < 6, f"a relay transaction stayed open {oldest:.1f}s"
            await lock.rollback()
            assert [(await p).status_code for p in posts] == [201, 201, 201]
    finally:
        await operator.close()
        await observer.close()

    assert "outbox relay failed" in intake.tail(50000)
    await _delivered_once(isolation, 3)


async def test_a_relay_transaction_left_idle_is_ended_by_the_server(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    intake = make_platform()["intake"]
    # The first send hangs with the transaction open; the idle limit is the send limit + 5 s.
    intake.start({"VROEG_FAILPOINTS": "outbox.send_hangs", "VROEG_OUTBOX_SEND_TIMEOUT_S": "3"})
    intake.wait_ready()
    key = await creditor_key(intake.url)
    async with httpx.AsyncClient(base_url=intake.url, headers={"X-Api-Key": key}) as http:
        for n in range(3):
            assert (
                await http.post("/v1/signalen", json=jansen_body(f"idle-{n}"))
            ).status_code == 201

    assert intake.popen is not None
    pid = intake.popen.pid
    observer = await asyncpg.connect(asyncpg_url(isolation.database_url))
    try:

        async def idle_relay() -> list[asyncpg.Record]:
            rows = await observer.fetch(_RELAY_TRANSACTIONS)
            return [r for r in rows if r["state"] == "idle in transaction"]

        hung = await eventually(idle_relay, bool, timeout=30)
        assert hung, "the send never hung"
        # Waiting on the broker, it has no transaction id and no snapshot: it holds back
        # nothing the database's other transactions may treat as gone (such as the outbox
        # rows other relays delete meanwhile).
        assert [(r["backend_xid"], r["backend_xmin"]) for r in hung] == [(None, None)]
        # The process stops answering (frozen, as a stalled host would be): only the server
        # can end the transaction and release its locks.
        os.kill(pid, signal.SIGSTOP)
        try:
            left = await eventually(idle_relay, lambda rows: rows == [], timeout=30)
            assert left == [], f"the relay's transaction stayed open: {left}"
        finally:
            os.kill(pid, signal.SIGCONT)
    finally:
        await observer.close()

    await _delivered_once(isolation, 3)
