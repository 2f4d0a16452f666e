"""A BRP outage delays signals; it neither loses them, repeats them, nor sends them to review,
and brp-check stays ready meanwhile (its review API and import need no BRP)."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_topic
from tests.support.signals import resident_signal
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import Route, SignalReceived
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED


async def _checked(iso: Isolation, of: list[SignalReceived] | None = None) -> int:
    """How many signals brp-check has checked (of those given)."""
    query = "SELECT count(*) AS n FROM brp_check.checks"
    if of is None:
        return int((await fetch(iso.database_url, query))[0]["n"])
    ids = [event.signal.signal_id for event in of]
    return int((await fetch(iso.database_url, f"{query} WHERE signal_id = ANY($1)", ids))[0]["n"])


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
        lambda: asyncio.to_thread(httpx.get, f"{check.url}/ready"),
        lambda r: r.json()["details"]["dependencies"].get("brp") == "DOWN",
    )
    # The review API and the import need no BRP: brp-check stays ready, and says what waits.
    assert ready.status_code == 200
    assert ready.json()["details"]["consumer"]["waitingOn"]
    # Nothing that came during the outage is routed while the BRP is away (a signal from
    # before it may be: a batch whose answers all came before the kill may still commit).
    assert await _checked(isolation, during) == 0
    await asyncio.sleep(3)
    assert await _checked(isolation, during) == 0

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
    ready = await asyncio.to_thread(httpx.get, f"{check.url}/ready")
    assert ready.status_code == 200
    assert ready.json()["details"]["dependencies"]["brp"] == "UP"
    assert ready.json()["details"]["consumer"]["waitingOn"] is None
