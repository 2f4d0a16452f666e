"""brp-check handles a partition's polled signals together, in one transaction, and asks the
BRP about all of them before that transaction opens (the subscription's `look_up`): no
transaction is held open while the BRP answers, and the batch shares the BRP's queries for
the candidates' records (one per 20 persons) and for each household (one per address)."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import asyncpg
import httpx

from tests.support.db import asyncpg_url, eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import produce
from tests.support.signals import resident_signal
from vroeg.shared.cloudevents import encode
from vroeg.shared.topics import SIGNAL_RECEIVED

SIGNALS = 30
# brp-check's sessions inside a transaction that waits on something outside the database.
_WAITING_TRANSACTIONS = """
    SELECT extract(epoch FROM now() - xact_start) AS age
    FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'vroeg-brp-check'
      AND state = 'idle in transaction'
"""


async def test_a_batch_is_asked_about_before_its_transaction_opens(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["brp-standin", "brp-check"])
    brp_check, standin = platform["brp-check"], platform["brp-standin"]
    brp_check.stop()
    topic = isolation.topic(SIGNAL_RECEIVED.name)
    # Thirty signals of Piet Jansen waiting on one partition: polled together when brp-check
    # starts again.
    await produce(
        isolation.kafka,
        [
            encode(resident_signal(n), topic=topic, source="/tests", trace={})
            for n in range(SIGNALS)
        ],
        partition=0,
    )
    assert standin.popen is not None
    observer = await asyncpg.connect(asyncpg_url(isolation.database_url))
    os.kill(standin.popen.pid, signal.SIGSTOP)  # the BRP stops answering
    try:
        brp_check.start({"BRP_TIMEOUT_S": "60"})
        await eventually(
            lambda: asyncio.to_thread(brp_check.tail, 100_000),
            lambda log: "partitions assigned" in log,
        )
        # The batch waits on the BRP: the partition's signals are in hand, no transaction is.
        oldest = 0.0
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            for row in await observer.fetch(_WAITING_TRANSACTIONS):
                oldest = max(oldest, float(row["age"]))
            await asyncio.sleep(0.1)
        assert oldest < 1, f"a transaction stayed open {oldest:.1f}s while the BRP was asked"
    finally:
        os.kill(standin.popen.pid, signal.SIGCONT)
        await observer.close()

    query = (
        "SELECT count(DISTINCT processed_at) AS n, count(*) AS c FROM brp_check.processed_events"
    )
    [row] = await eventually(
        lambda: fetch(isolation.database_url, query), lambda r: r[0]["c"] >= SIGNALS
    )
    assert row["c"] == SIGNALS
    # An inbox row carries its transaction's start: they shared transactions.
    transactions = row["n"]
    assert transactions < SIGNALS
    routes = await fetch(
        isolation.database_url, "SELECT route, count(*) AS c FROM brp_check.checks GROUP BY route"
    )
    assert [(r["route"], r["c"]) for r in routes] == [("resident", SIGNALS)]
    # Each signal its own search; the records and the household once per batch, not per signal.
    queries = httpx.get(f"{standin.url}/health").json()["queries"]
    assert queries["ZoekMetGeslachtsnaamEnGeboortedatum"] == SIGNALS
    assert queries["RaadpleegMetBurgerservicenummer"] <= transactions
    assert queries["ZoekMetAdresseerbaarObjectIdentificatie"] <= transactions
