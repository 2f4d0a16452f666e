"""Nothing lost, nothing done twice: redelivery, crashes and poisoned events, on real infrastructure.

The services run as processes; the tests write to and read from their topics and tables only.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Awaitable
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.kafka import headers_of, produce, read_topic, wait_until_consumed
from tests.support.monitor import get_figures, this_month
from tests.support.signals import jansen_body, routed_signal
from vroeg.deploy.processes import ServiceProcess, free_port
from vroeg.shared.cloudevents import Message, encode
from vroeg.shared.events import Route, SignalRouted
from vroeg.shared.topics import CASE_OPENED, ROUTE_TOPICS, SIGNAL_RECEIVED, dead_letter_topic

RESIDENT = ROUTE_TOPICS[Route.RESIDENT].name
EVENTS = 3000


def _message(iso: Isolation, event: SignalRouted) -> Message:
    return encode(event, topic=iso.topic(RESIDENT), source="/tests", trace={})


async def _matcher_state(iso: Isolation) -> tuple[int, int]:
    cases = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.cases")
    signals = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.case_signals")
    return cases[0]["n"], signals[0]["n"]


async def test_an_event_delivered_twice_leaves_the_database_as_after_one_delivery(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["idp-standin", "matcher", "reporting"])
    event = routed_signal()
    await produce(isolation.kafka, [_message(isolation, event), _message(isolation, event)])

    await wait_until_consumed(
        isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT)
    )
    assert await _matcher_state(isolation) == (1, 1)
    opened = await read_topic(isolation.kafka, isolation.topic(CASE_OPENED.name), expect=1)
    assert len(opened) == 1
    await wait_until_consumed(
        isolation.kafka, isolation.group("reporting"), isolation.topic(CASE_OPENED.name)
    )
    counts = await get_figures(
        platform["reporting"].url, staff_headers(platform, "analyst-0363"), this_month()
    )
    assert counts[("meldingen", "0363", None)] == 1
    dead = isolation.topic(dead_letter_topic("matcher"))
    assert await read_topic(isolation.kafka, dead, expect=0, timeout=1) == []


async def test_a_consumer_killed_after_its_commit_and_before_its_offset_commit_loses_and_repeats_nothing(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    matcher = make_platform()["matcher"]
    matcher.start({"VROEG_FAILPOINTS": "consumer.after_commit"})
    matcher.wait_ready()
    await produce(isolation.kafka, [_message(isolation, routed_signal())])

    assert matcher.wait_exit(timeout=60) == -signal.SIGKILL
    assert await _matcher_state(isolation) == (1, 1)  # the transaction had committed
    case_opened = isolation.topic(CASE_OPENED.name)
    assert await read_topic(isolation.kafka, case_opened, expect=0, timeout=2) == []

    matcher.start()
    matcher.wait_ready()
    await wait_until_consumed(
        isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT)
    )
    assert await _matcher_state(isolation) == (1, 1)
    assert len(await read_topic(isolation.kafka, case_opened, expect=1)) == 1
    dead = isolation.topic(dead_letter_topic("matcher"))
    assert await read_topic(isolation.kafka, dead, expect=0, timeout=1) == []


async def test_a_service_killed_with_unsent_outbox_rows_sends_them_after_restart(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    intake = make_platform()["intake"]
    # The creditor's key first, and its event sent, so the failpoint meets the signal's row.
    intake.start()
    intake.wait_ready()
    key = await creditor_key(intake.url)
    await eventually(
        lambda: fetch(isolation.database_url, "SELECT seq FROM intake.outbox"), lambda r: r == []
    )
    intake.stop()
    intake.start({"VROEG_FAILPOINTS": "outbox.before_send"})
    intake.wait_ready()
    body = jansen_body("crash-1")
    # The relay may kill the process before the response is written.
    with contextlib.suppress(httpx.TransportError):
        httpx.post(f"{intake.url}/v1/signalen", json=body, headers={"X-Api-Key": key}, timeout=10)

    assert intake.wait_exit(timeout=60) == -signal.SIGKILL
    stored = await fetch(isolation.database_url, "SELECT id FROM intake.signals")
    assert len(stored) == 1
    # SignalReceived and its lean fact for the monitor, written in one transaction.
    assert len(await fetch(isolation.database_url, "SELECT seq FROM intake.outbox")) == 2
    topic = isolation.topic(SIGNAL_RECEIVED.name)
    assert await read_topic(isolation.kafka, topic, expect=0, timeout=2) == []

    intake.start()
    intake.wait_ready()
    records = await read_topic(isolation.kafka, topic, expect=1)
    assert len(records) == 1
    assert b'"signal_id":"' + str(stored[0]["id"]).encode() in records[0].value
    outbox = await eventually(
        lambda: fetch(isolation.database_url, "SELECT seq FROM intake.outbox"), lambda r: not r
    )
    assert outbox == []


async def test_a_poisoned_event_is_dead_lettered_after_bounded_retries_and_holds_up_nothing(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    make_platform().start(["matcher"])
    first = routed_signal()
    # Same signal under a new event id: the handler's insert conflicts every time it is tried.
    poisoned = first.model_copy(update={"id": uuid4()})
    behind = routed_signal()  # same household, so the same partition, queued behind the poison
    await produce(isolation.kafka, [_message(isolation, e) for e in (first, poisoned, behind)])

    dead = await read_topic(
        isolation.kafka, isolation.topic(dead_letter_topic("matcher")), expect=1
    )
    assert len(dead) == 1
    headers = headers_of(dead[0])
    assert headers["ce_id"] == str(poisoned.id)
    assert headers["vroeg_dlq_attempts"] == "3"
    assert "IntegrityError" in headers["vroeg_dlq_error"]
    assert headers["vroeg_dlq_topic"] == isolation.topic(RESIDENT)
    await wait_until_consumed(
        isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT)
    )
    assert await _matcher_state(isolation) == (1, 2)


async def test_a_record_that_is_no_event_of_ours_is_dead_lettered_at_once(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    make_platform().start(["matcher"])
    garbage = Message(isolation.topic(RESIDENT), b"k", b"not an event", ())
    await produce(isolation.kafka, [garbage, _message(isolation, routed_signal())])

    dead = await read_topic(
        isolation.kafka, isolation.topic(dead_letter_topic("matcher")), expect=1
    )
    assert [d.value for d in dead] == [b"not an event"]
    assert "not a CloudEvents 1.0 record" in headers_of(dead[0])["vroeg_dlq_error"]
    await wait_until_consumed(
        isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT)
    )
    assert await _matcher_state(isolation) == (1, 1)


async def test_replicas_that_rebalance_and_crash_mid_stream_process_every_event_exactly_once(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = make_platform()
    first = platform["matcher"]
    second = ServiceProcess("matcher", free_port(), dict(first.env), tmp_path / "matcher-2.log")
    first.start()
    first.wait_ready()
    events = [routed_signal(address_key=f"{i:016d}") for i in range(EVENTS)]
    await produce(isolation.kafka, [_message(isolation, e) for e in events])

    await eventually(lambda: _matcher_state(isolation), lambda state: state[0] >= EVENTS // 10)
    second.start()  # joins the group: partitions are revoked from the first and reassigned
    second.wait_ready()
    await eventually(lambda: _matcher_state(isolation), lambda state: state[0] >= EVENTS // 3)
    first.kill()  # its partitions move to the second once the group notices

    try:
        await wait_until_consumed(
            isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT), 120
        )
        assert await _matcher_state(isolation) == (EVENTS, EVENTS)
        opened = await read_topic(
            isolation.kafka, isolation.topic(CASE_OPENED.name), expect=EVENTS, timeout=60
        )
        # The relay is at-least-once; the event ids make a resend recognisable downstream.
        assert len({headers_of(r)["ce_id"] for r in opened}) == EVENTS
    finally:
        second.stop()


async def test_processed_event_ids_are_forgotten_after_the_retention_and_not_before(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform(
        {"VROEG_INBOX_RETENTION_DAYS": "14", "VROEG_HOUSEKEEPING_INTERVAL_S": "0.5"}
    )
    platform.start(["matcher"])
    await produce(isolation.kafka, [_message(isolation, routed_signal())])
    await wait_until_consumed(
        isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT)
    )
    old = "11111111-1111-1111-1111-111111111111"
    await execute(
        isolation.database_url,
        "INSERT INTO matcher.processed_events (consumer, event_id, processed_at) "
        "VALUES ('matcher', $1, now() - interval '15 days')",
        old,
    )

    def ids() -> Awaitable[list[Any]]:
        return fetch(isolation.database_url, "SELECT event_id FROM matcher.processed_events")

    remaining = await eventually(ids, lambda rows: old not in {r["event_id"] for r in rows})
    assert len(remaining) == 1  # the fresh one stays
