"""Parked events can be put back once the fault is fixed: `vroeg dead-letters list|replay`.

The matcher runs as a process; a handler fault is injected in its database, the operator
command runs as a process, and the test reads topics and tables only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.db import eventually, fetch
from tests.support.faults import fail, heal, install_faults
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import headers_of, produce, read_topic
from tests.support.signals import routed_signal
from vroeg.shared.cloudevents import Message, encode
from vroeg.shared.events import Route, SignalRouted
from vroeg.shared.topics import ROUTE_TOPICS, dead_letter_topic

RESIDENT = ROUTE_TOPICS[Route.RESIDENT].name
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def _message(iso: Isolation, event: SignalRouted) -> Message:
    return encode(
        event, topic=iso.topic(RESIDENT), source="/tests", trace={"traceparent": TRACEPARENT}
    )


def vroeg(iso: Isolation, *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's `vroeg` command, against this test's broker, topics and database."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "vroeg"), *args],
        env={**os.environ, **iso.env()},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def _matcher_state(iso: Isolation) -> tuple[int, int]:
    cases = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.cases")
    signals = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.case_signals")
    return cases[0]["n"], signals[0]["n"]


async def test_a_parked_event_replayed_after_the_fix_is_processed_once_and_never_replayed_twice(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    make_platform().start(["matcher"])
    url = isolation.database_url
    await install_faults(url, "matcher.case_signals")
    poisoned = routed_signal()
    await fail(url, poisoned.signal.signal_id, "P0001")  # a bug its handler meets, say
    await produce(isolation.kafka, [_message(isolation, poisoned)])
    dead = await read_topic(
        isolation.kafka, isolation.topic(dead_letter_topic("matcher")), expect=1
    )
    assert [headers_of(d)["ce_id"] for d in dead] == [str(poisoned.id)]
    listed = vroeg(isolation, "dead-letters", "list", "matcher")
    assert listed.returncode == 0, listed.stderr
    assert f"{poisoned.id}  parked  from {isolation.topic(RESIDENT)}/" in listed.stdout
    assert "after 3 attempts" in listed.stdout

    await heal(url)  # the fix is deployed
    replayed = vroeg(isolation, "dead-letters", "replay", "matcher")
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.splitlines() == [f"replayed {poisoned.id}", "1 replayed"]

    state = await eventually(lambda: _matcher_state(isolation), lambda s: s == (1, 1))
    assert state == (1, 1)
    on_topic = await read_topic(isolation.kafka, isolation.topic(RESIDENT), expect=2)
    assert len(on_topic) == 2
    original, again = on_topic
    assert again.value == original.value
    assert again.key == original.key
    assert again.headers == original.headers  # trace context included, no vroeg_dlq_*
    assert headers_of(again)["traceparent"] == TRACEPARENT

    # Replayed and processed: a second replay puts nothing back, by id or all at once.
    for args in ([], ["--id", str(poisoned.id)]):
        second = vroeg(isolation, "dead-letters", "replay", "matcher", *args)
        assert second.returncode == 0, second.stderr
        assert second.stdout.splitlines() == ["0 replayed"]
    listed = vroeg(isolation, "dead-letters", "list", "matcher")
    assert f"{poisoned.id}  processed since" in listed.stdout
    assert len(await read_topic(isolation.kafka, isolation.topic(RESIDENT), expect=2)) == 2
    assert await _matcher_state(isolation) == (1, 1)


def test_replaying_an_event_that_was_never_parked_is_refused(isolation: Isolation) -> None:
    refused = vroeg(isolation, "dead-letters", "replay", "matcher", "--id", "no-such-event")
    assert refused.returncode == 1
    assert "not parked by matcher: no-such-event" in refused.stderr
    unknown = vroeg(isolation, "dead-letters", "list", "no-such-service")
    assert unknown.returncode == 1
    assert "no such service: no-such-service" in unknown.stderr
