"""The outbox relay cannot hang: a send that never completes is given up, the producer is
replaced, and every row still goes out once; the backlog's age shows meanwhile."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from tests.support.kafka import headers_of, read_topic
from tests.support.metrics import scrape, value
from tests.support.signals import jansen_body
from vroeg.shared.topics import SIGNAL_RECEIVED


async def test_a_send_that_hangs_is_given_up_and_every_row_goes_out_once(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    intake = make_platform()["intake"]
    intake.start({"VROEG_FAILPOINTS": "outbox.send_hangs", "VROEG_OUTBOX_SEND_TIMEOUT_S": "8"})
    intake.wait_ready()
    key = await creditor_key(intake.url)
    async with httpx.AsyncClient(base_url=intake.url, headers={"X-Api-Key": key}) as http:
        for n in range(5):
            body = jansen_body(f"hang-{n}")
            assert (await http.post("/v1/signalen", json=body)).status_code == 201

    # While the send hangs, the rows wait and their age grows; intake stays ready.
    waiting = await eventually(
        lambda: scrape(intake.url),
        lambda g: (value(g, "vroeg_outbox_oldest_age_seconds") or 0) >= 1,
    )
    assert (value(waiting, "vroeg_outbox_depth") or 0) >= 1
    assert (value(waiting, "vroeg_outbox_oldest_age_seconds") or 0) >= 1
    assert (await asyncio.to_thread(httpx.get, f"{intake.url}/ready")).status_code == 200

    records = await read_topic(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=5)
    assert Counter(headers_of(r)["ce_id"] for r in records).most_common(1)[0][1] == 1
    assert len(records) == 5
    after = await eventually(
        lambda: scrape(intake.url), lambda g: value(g, "vroeg_outbox_depth") == 0
    )
    assert value(after, "vroeg_outbox_producer_restarts_total") == 1
    assert value(after, "vroeg_outbox_oldest_age_seconds") == 0
    assert await fetch(isolation.database_url, "SELECT seq FROM intake.outbox") == []
    assert "replacing the producer" in intake.tail(50000)
