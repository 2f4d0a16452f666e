"""The matcher's database restarts while 2,000 events flow through it: nothing is lost, nothing
done twice, nothing parked, and the service is healthy afterwards. The events keep coming
while it is down (so the restart is hit, not missed), and the matcher waits for it.

The database is a throwaway PostgreSQL server of this test's own (`vroeg infra` on another
port and state folder), never the one the other tests share.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation
from tests.support.kafka import headers_of, produce, read_topic, wait_until_consumed
from tests.support.signals import routed_signal
from vroeg.deploy.processes import ServiceProcess, free_port
from vroeg.shared.cloudevents import Message, encode
from vroeg.shared.events import Route
from vroeg.shared.topics import CASE_OPENED, ROUTE_TOPICS, dead_letter_topic

RESIDENT = ROUTE_TOPICS[Route.RESIDENT].name
EVENTS = 2000
# The events flow in at about 100 a second (the matcher handles them faster), so the
# database goes down while most are still to come, not after they are all done.
CHUNK = 40
CHUNK_PAUSE_S = 0.4


class ThrowawayPostgres:
    """A PostgreSQL server on its own port and folder, started and stopped with `vroeg infra`."""

    def __init__(self, home: Path, kafka: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        # The shared broker is named, so `vroeg infra` starts (and stops) no broker of its own.
        self._env = {
            **env,
            "VROEG_HOME": str(home),
            "VROEG_PG_PORT": str(free_port()),
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
        }
        self.url = ""

    def _infra(self, action: str) -> str:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "vroeg"), "infra", action],
            env=self._env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    def up(self) -> None:
        for line in self._infra("up").splitlines():
            if line.startswith("DATABASE_URL="):
                self.url = line.removeprefix("DATABASE_URL=")

    def down(self) -> None:
        self._infra("down")


@pytest.fixture
def throwaway_postgres(isolation: Isolation, tmp_path: Path) -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres(tmp_path / "infra", isolation.kafka)
    server.up()
    try:
        yield server
    finally:
        server.down()
        shutil.rmtree(tmp_path / "infra", ignore_errors=True)


async def _flow(kafka: str, messages: list[Message], sent: list[int]) -> None:
    """Produce `messages` a chunk at a time, noting how many are sent so far in `sent`."""
    for start in range(0, len(messages), CHUNK):
        await produce(kafka, messages[start : start + CHUNK])
        sent[0] = min(len(messages), start + CHUNK)
        await asyncio.sleep(CHUNK_PAUSE_S)


async def _matcher_state(url: str) -> tuple[int, int]:
    cases = await fetch(url, "SELECT count(*) AS n FROM matcher.cases")
    signals = await fetch(url, "SELECT count(*) AS n FROM matcher.case_signals")
    return cases[0]["n"], signals[0]["n"]


@pytest.mark.slow
async def test_a_database_restart_while_events_flow_loses_parks_and_repeats_nothing(
    isolation: Isolation, throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    database = throwaway_postgres.url
    matcher = ServiceProcess(
        "matcher",
        free_port(),
        {**isolation.env(), "DATABASE_URL": database},
        tmp_path / "matcher.log",
    )
    flow: asyncio.Task[None] | None = None
    matcher.start()
    try:
        matcher.wait_ready()
        topic = isolation.topic(RESIDENT)
        events = [routed_signal(address_key=f"{i:016d}") for i in range(EVENTS)]
        sent = [0]
        flow = asyncio.create_task(
            _flow(
                isolation.kafka,
                [encode(e, topic=topic, source="/tests", trace={}) for e in events],
                sent,
            )
        )
        await eventually(lambda: _matcher_state(database), lambda s: s[0] >= EVENTS // 10)

        await asyncio.to_thread(throwaway_postgres.down)  # connections cut, new ones refused
        # Events still to come when it went down: the matcher had not handled them all.
        assert sent[0] < EVENTS
        await asyncio.to_thread(throwaway_postgres.up)
        await flow

        await wait_until_consumed(isolation.kafka, isolation.group("matcher"), topic, 180)
        assert await _matcher_state(database) == (EVENTS, EVENTS)
        opened = await read_topic(
            isolation.kafka, isolation.topic(CASE_OPENED.name), expect=EVENTS, timeout=120
        )
        assert len({headers_of(r)["ce_id"] for r in opened}) == EVENTS
        dead = isolation.topic(dead_letter_topic("matcher"))
        assert await read_topic(isolation.kafka, dead, expect=0, timeout=1) == []
        health = httpx.get(f"{matcher.url}/health", timeout=5)
        assert health.status_code == 200
        assert health.json()["status"] == "UP"
        log = matcher.tail(10**8)
        assert "background task consumer" not in log  # it never died
        # Events that came while the database was down waited for it (none was an attempt).
        assert "waiting for a dependency: database" in log
    except BaseException:
        print(f"--- matcher log ---\n{matcher.tail()}")
        raise
    finally:
        if flow is not None:
            flow.cancel()  # a failure before it was through
        matcher.stop()
