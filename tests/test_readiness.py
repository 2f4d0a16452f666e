"""Readiness means "can do its job": intake takes deliveries and stays ready while Kafka is down
(its outbox buffers them), says so in /ready's details and its metrics, and the relay sends
every buffered event once the broker is back. The broker is this test's own, never the shared
one."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.support.db import eventually
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from tests.support.kafka import free_port_pair, headers_of, read_topic
from tests.support.signals import jansen_body
from vroeg.deploy import infra
from vroeg.shared.topics import SIGNAL_RECEIVED


async def _restart(home: Path, port: int) -> None:
    # The stopped broker's controller port can stay taken for a moment after it exited.
    for attempt in range(5):
        try:
            await asyncio.to_thread(infra.kafka_up, home=home, port=port)
            return
        except infra.InfraError:
            if attempt == 4:
                raise
            await asyncio.sleep(5)


async def _ready(url: str) -> httpx.Response:
    return await asyncio.to_thread(httpx.get, f"{url}/ready", timeout=10)


async def _post(http: httpx.AsyncClient, reference: str) -> None:
    body = jansen_body(reference)
    assert (await http.post("/v1/signalen", json=body)).status_code == 201


async def test_intake_stays_ready_and_buffers_while_kafka_is_down(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    home, port = tmp_path / "kafka", free_port_pair()
    kafka = await asyncio.to_thread(infra.kafka_up, home=home, port=port)
    try:
        intake = make_platform({"KAFKA_BOOTSTRAP_SERVERS": kafka})["intake"]
        intake.start({"VROEG_OUTBOX_SEND_TIMEOUT_S": "10"})
        intake.wait_ready()
        topic = isolation.topic(SIGNAL_RECEIVED.name)
        key = await creditor_key(intake.url)
        async with httpx.AsyncClient(base_url=intake.url, headers={"X-Api-Key": key}) as http:
            await _post(http, "before")
            assert len(await read_topic(kafka, topic, expect=1)) == 1

            await asyncio.to_thread(infra.kafka_down, home)
            for n in range(3):
                await _post(http, f"during-{n}")  # deliveries are taken: the outbox keeps them
            ready = await eventually(
                lambda: _ready(intake.url), lambda r: r.json()["checks"]["broker"] is False
            )
            assert ready.status_code == 200
            assert ready.json()["requires"] == ["database"]
            assert ready.json()["checks"] == {"database": True, "broker": False}
            # each signal's SignalReceived and its lean fact (SignalFact)
            assert ready.json()["details"]["outbox"]["depth"] == 6
            assert ready.json()["details"]["dependencies"]["broker"] == "DOWN"
            scrape = (await asyncio.to_thread(httpx.get, f"{intake.url}/metrics")).text
            assert 'vroeg_dependency_up{dependency="broker"} 0.0' in scrape
            assert "vroeg_outbox_depth 6.0" in scrape

            await _restart(home, port)
            records = await read_topic(kafka, topic, expect=4)
            # Nothing lost. A batch the broker stored but did not acknowledge in time goes again
            # (at least once); the consumers' inbox makes that harmless.
            assert len({headers_of(r)["ce_id"] for r in records}) == 4
            ready = await eventually(
                lambda: _ready(intake.url),
                lambda r: (
                    r.json()["checks"]["broker"] and r.json()["details"]["outbox"]["depth"] == 0
                ),
            )
            assert ready.json()["details"]["outbox"] == {"depth": 0, "oldestAgeSeconds": 0}
            assert (await asyncio.to_thread(httpx.get, f"{intake.url}/health")).status_code == 200
    finally:
        await asyncio.to_thread(infra.kafka_down, home)
