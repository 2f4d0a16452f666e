"""A background task that dies is logged and restarted, and /health says DOWN meanwhile."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from tests.support.kafka import publish, read_topic
from tests.support.signals import jansen_body, routed_signal
from vroeg.shared.events import Route
from vroeg.shared.supervision import run_exclusively
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED


async def _health(url: str) -> httpx.Response:
    return await asyncio.to_thread(httpx.get, f"{url}/health", timeout=5)


async def test_a_dead_relay_makes_health_down_until_it_is_restarted_and_relays_again(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    intake = make_platform()["intake"]
    # The relay's loop raises once, after its first batch; the restart waits 4 s.
    intake.start({"VROEG_FAILPOINTS": "outbox.relay_crash", "VROEG_TASK_RESTART_BACKOFF_S": "4"})
    intake.wait_ready()
    healthy = await _health(intake.url)
    assert healthy.status_code == 200
    tasks = healthy.json()["tasks"]
    assert tasks["outbox-relay"] == tasks["inbox-housekeeping"] == "UP"
    assert set(tasks.values()) == {"UP"}
    key = await creditor_key(intake.url)
    posted = httpx.post(
        f"{intake.url}/v1/signalen", json=jansen_body("sup-1"), headers={"X-Api-Key": key}
    )
    assert posted.status_code == 201, posted.text

    down = await eventually(lambda: _health(intake.url), lambda r: r.status_code == 503)
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert down.json()["tasks"]["outbox-relay"] == "DOWN"
    assert "outbox-relay" in down.json()["detail"]
    assert "background task outbox-relay died" in intake.tail(20000)

    up = await eventually(lambda: _health(intake.url), lambda r: r.status_code == 200)
    assert up.json()["tasks"]["outbox-relay"] == "UP"
    posted = httpx.post(
        f"{intake.url}/v1/signalen", json=jansen_body("sup-2"), headers={"X-Api-Key": key}
    )
    assert posted.status_code == 201, posted.text
    records = await read_topic(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=2)
    assert len(records) == 2  # the signal after the restart went out too


async def test_a_periodic_job_runs_on_one_replica_at_a_time(isolation: Isolation) -> None:
    replicas = [create_async_engine(isolation.database_url) for _ in range(2)]
    started, release = asyncio.Event(), asyncio.Event()
    ran: list[str] = []

    async def long_run() -> None:
        started.set()
        await release.wait()

    async def second() -> None:
        ran.append("second")

    try:
        first = asyncio.create_task(run_exclusively("vroeg.job.test.x", replicas[0], long_run))
        await asyncio.wait_for(started.wait(), 10)
        assert await run_exclusively("vroeg.job.test.x", replicas[1], second) is False
        assert ran == []
        release.set()
        assert await first is True
        assert await run_exclusively("vroeg.job.test.x", replicas[1], second) is True
        assert ran == ["second"]
    finally:
        for engine in replicas:
            await engine.dispose()


async def _matcher_state(iso: Isolation) -> tuple[int, int]:
    cases = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.cases")
    signals = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.case_signals")
    return cases[0]["n"], signals[0]["n"]


async def test_a_dead_consumer_makes_health_down_until_it_rejoins_and_consumes_again(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    matcher = make_platform()["matcher"]
    # The consumer's poll loop raises once, after its first fetch; the restart waits 4 s.
    matcher.start({"VROEG_FAILPOINTS": "consumer.crash", "VROEG_TASK_RESTART_BACKOFF_S": "4"})
    matcher.wait_ready()
    topic = isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name)
    await publish(isolation.kafka, topic, [routed_signal(address_key="0" * 16)])

    down = await eventually(lambda: _health(matcher.url), lambda r: r.status_code == 503)
    assert down.status_code == 503
    assert down.json()["tasks"]["consumer"] == "DOWN"
    assert "background task consumer died" in matcher.tail(50000)

    up = await eventually(lambda: _health(matcher.url), lambda r: r.status_code == 200)
    assert up.json()["tasks"]["consumer"] == "UP"
    await publish(isolation.kafka, topic, [routed_signal(address_key="1" * 16)])
    # Both handled, each once: the one in hand when it died is read again and recognised.
    assert await eventually(lambda: _matcher_state(isolation), lambda s: s == (2, 2)) == (2, 2)
    await asyncio.sleep(2)
    assert await _matcher_state(isolation) == (2, 2)
