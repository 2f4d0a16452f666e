"""One household, 50 signals at once on every partition of the three route topics that lead to
a case, and the matcher SIGKILLed while it works through them: one open case holding all 50,
one CaseOpened and an unbroken line of CaseUpdated (R-MAT-1, R-MAT-2).

Partitioning alone does not give this: the signals are spread over nine partitions on
purpose, so the matcher's workers race for the household, and only its per-household lock and
the database's `one_open_case_per_household` index keep them in one case.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections import defaultdict
from typing import TypeVar
from uuid import UUID, uuid4

import asyncpg
import pytest

from tests.support.db import eventually, execute, fetch
from tests.support.faults import slow_inserts
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import end_offsets, produce, read_events, wait_until_consumed
from tests.support.signals import routed_signal
from vroeg.shared.cloudevents import encode
from vroeg.shared.events import (
    CaseChangeKind,
    CaseOpened,
    CaseUpdated,
    Event,
    Route,
    SignalRouted,
)
from vroeg.shared.topics import CASE_OPENED, CASE_UPDATED, ROUTE_TOPICS

E = TypeVar("E", bound=Event)

SIGNALS = 50
ADDRESS_KEY = "0363010000000001"
ROUTES = (Route.RESIDENT, Route.MINOR, Route.DECEASED)
PARTITIONS = 3  # VROEG_TOPIC_PARTITIONS' default, which the matcher creates its topics with
# Each signal's row takes this long to write, so the 50 take seconds and the kill lands among
# them rather than after them.
SLOW_INSERT_S = 0.1


def _signals() -> list[SignalRouted]:
    """50 signals of one household from 50 creditors, over the three routes."""
    return [
        routed_signal(route=ROUTES[i % len(ROUTES)], address_key=ADDRESS_KEY, vlp=f"vlp-{i:02d}")
        for i in range(SIGNALS)
    ]


async def _deliver_across_partitions(iso: Isolation, signals: list[SignalRouted]) -> None:
    """Each signal to a chosen partition of its route's topic, round the partitions, so that
    all nine receive some (a keyed send would put one household on one partition per topic)."""
    by_partition: dict[tuple[str, int], list[SignalRouted]] = defaultdict(list)
    for i, event in enumerate(signals):
        topic = iso.topic(ROUTE_TOPICS[event.route].name)
        by_partition[topic, (i // len(ROUTES)) % PARTITIONS].append(event)
    await asyncio.gather(
        *(
            produce(
                iso.kafka,
                [encode(e, topic=topic, source="/tests", trace={}) for e in events],
                partition=partition,
            )
            for (topic, partition), events in by_partition.items()
        )
    )


async def _stored(iso: Isolation) -> int:
    rows = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.case_signals")
    return int(rows[0]["n"])


def _once_each(events: list[Event], kind: type[E]) -> list[E]:
    """The events once each, in topic order (the relay is at-least-once: a resend after the
    kill carries the same event id); all of them of `kind`."""
    seen: set[UUID] = set()
    unique = []
    for event in events:
        assert isinstance(event, kind)
        if event.id not in seen:
            seen.add(event.id)
            unique.append(event)
    return unique


async def test_fifty_signals_of_one_household_across_partitions_and_a_kill_end_in_one_case(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    matcher = make_platform()["matcher"]
    matcher.start()
    matcher.wait_ready()  # its topics exist now, with their partitions
    await slow_inserts(isolation.database_url, "matcher.case_signals", SLOW_INSERT_S)
    signals = _signals()
    sent = {e.signal.signal_id for e in signals}
    topics = [isolation.topic(ROUTE_TOPICS[route].name) for route in ROUTES]

    await _deliver_across_partitions(isolation, signals)
    for topic in topics:
        ends = await end_offsets(isolation.kafka, topic)
        assert len(ends) == PARTITIONS
        assert all(end > 0 for end in ends.values()), ends
    await eventually(lambda: _stored(isolation), lambda n: n > 0)
    matcher.kill()
    assert matcher.popen is not None
    assert matcher.popen.returncode == -signal.SIGKILL
    # The kill came mid-stream: some signals were in a case, not all of them.
    assert 0 < await _stored(isolation) < SIGNALS

    matcher.start()
    matcher.wait_ready()
    for topic in topics:
        await wait_until_consumed(isolation.kafka, isolation.group("matcher"), topic, 120)

    cases = await fetch(
        isolation.database_url,
        "SELECT id, status, accepting, version, state FROM matcher.cases",
    )
    assert len(cases) == 1
    (case,) = cases
    assert (case["status"], case["accepting"]) == ("OPEN", True)
    members = await fetch(
        isolation.database_url, "SELECT signal_id, case_id FROM matcher.case_signals"
    )
    assert {m["signal_id"] for m in members} == sent
    assert {m["case_id"] for m in members} == {case["id"]}

    opened = _once_each(
        await read_events(isolation.kafka, isolation.topic(CASE_OPENED.name), expect=1), CaseOpened
    )
    assert [(o.case_id, o.state.version) for o in opened] == [(case["id"], 1)]
    updated = _once_each(
        await read_events(isolation.kafka, isolation.topic(CASE_UPDATED.name), expect=SIGNALS - 1),
        CaseUpdated,
    )
    assert {u.case_id for u in updated} == {case["id"]}
    # One version per signal that joined, each once, strictly increasing in topic order.
    assert [u.state.version for u in updated] == list(range(2, SIGNALS + 1))
    # What a consumer keeping the highest version it has seen ends with: all 50.
    highest = max(updated, key=lambda u: u.state.version)
    assert {s.signal_id for s in highest.state.signals} == sent
    assert case["version"] == SIGNALS
    stored = json.loads(case["state"])  # the state last announced
    assert stored["version"] == SIGNALS
    assert {UUID(s["signal_id"]) for s in stored["signals"]} == sent
    # Each signal joined once, in one event: none was counted into the case twice.
    joined = [
        c.signal_id for u in updated for c in u.changes if c.kind == CaseChangeKind.SIGNAL_JOINED
    ]
    first = [s.signal_id for s in opened[0].state.signals]
    assert len(first + joined) == SIGNALS
    assert set(first + joined) == sent

    # Not only the lock: the database itself refuses a second case taking the household's
    # signals, while a case that takes none (a closed one) may sit beside the open one.
    with pytest.raises(asyncpg.UniqueViolationError) as refused:
        await _another_case(isolation, case["id"], accepting=True)
    assert refused.value.constraint_name == "one_open_case_per_household"
    await _another_case(isolation, case["id"], accepting=False)


async def _another_case(iso: Isolation, beside: UUID, *, accepting: bool) -> None:
    """Insert a case for the household of case `beside` straight into the table."""
    await execute(
        iso.database_url,
        """
        INSERT INTO matcher.cases (id, municipality, household_key, status, accepting, version,
                                   state, opened_at, created_at)
        SELECT $1, municipality, household_key, 'OPEN', $2, 1, '{}', now(), now()
        FROM matcher.cases WHERE id = $3
        """,
        uuid4(),
        accepting,
        beside,
    )
