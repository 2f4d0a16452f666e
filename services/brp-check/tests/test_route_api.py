"""Reading a signal's route through brp-check's API is audit-logged like a review read
(issue 8, item 19; domain §10): who read which signal's route, and when."""

from __future__ import annotations

import json

import httpx

from tests.support.db import fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import publish, read_events
from tests.support.signals import resident_signal
from vroeg.shared.events import Route
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED


async def test_each_read_of_a_route_is_audited_with_who_and_which_signal(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["brp-standin", "idp-standin", "brp-check"])
    event = resident_signal(1)
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), [event])
    await read_events(isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=1)
    url = f"{platform['brp-check'].url}/v1/signalen/{event.signal.signal_id}/route"

    # Another municipality's staff learn nothing, and nothing was read: no entry.
    elsewhere = httpx.get(url, headers=staff_headers(platform, "reviewer-0518"))
    assert elsewhere.status_code == 404
    assert await fetch(isolation.database_url, "SELECT * FROM brp_check.audit_log") == []

    read = httpx.get(url, headers=staff_headers(platform, "vroegsignaleerder-0363"))
    assert read.status_code == 200, read.text
    assert read.json()["route"] == "resident"
    [entry] = await fetch(
        isolation.database_url,
        "SELECT municipality, actor, action, signal_id, details, at FROM brp_check.audit_log",
    )
    assert (entry["municipality"], entry["actor"], entry["action"]) == (
        "0363",
        "vroegsignaleerder-0363",
        "route.read",
    )
    assert entry["signal_id"] == event.signal.signal_id
    assert json.loads(entry["details"]) == {}
    assert entry["at"] is not None
