"""A BRP outage delays signals; it neither loses them, repeats them, nor sends them to review."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_topic
from tests.support.signals import resident_signal
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import (
    Route,
)
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED


async def _checked(iso: Isolation) -> int:
    return int(
        (await fetch(iso.database_url, "SELECT count(*) AS n FROM brp_check.checks"))[0]["n"]
    )


async def test_signals_arriving_during_a_brp_outage_are_routed_once_when_it_returns(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["brp-standin", "brp-check"])
    brp, check = platform["brp-standin"], platform["brp-check"]
    topic = isolation.topic(SIGNAL_RECEIVED.name)
    before = [resident_signal(n) for n in range(40)]
    during = [resident_signal(n) for n in range(40, 80)]

    await publish(isolation.kafka, topic, before)
    await eventually(lambda: _checked(isolation), lambda n: n >= 10)
    brp.kill()  # mid-stream
    await publish(isolation.kafka, topic, during)
    ready = await eventually(
        lambda: asyncio.to_thread(httpx.get, f"{check.url}/ready"), lambda r: r.status_code == 503
    )
    assert ready.json()["checks"]["consumer"] is False  # /ready says the signals wait
    stalled = await _checked(isolation)
    await asyncio.sleep(3)
    assert await _checked(isolation) == stalled  # nothing routed while the BRP is away

    brp.start()
    brp.wait_ready()
    assert (await eventually(lambda: _checked(isolation), lambda n: n >= 80)) == 80
    records = await read_topic(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=80
    )
    ids = Counter(str(decode(r.headers, r.value).signal.signal_id) for r in records)  # type: ignore[attr-defined]
    assert len(ids) == 80
    assert set(ids.values()) == {1}
    review = await read_topic(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.REVIEW].name), expect=0, timeout=1
    )
    assert review == []
    assert (await asyncio.to_thread(httpx.get, f"{check.url}/ready")).status_code == 200
