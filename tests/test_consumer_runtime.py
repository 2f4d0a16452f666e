"""The consumer runtime under trouble: rebalances mid-retry, passing database faults, a blocked
partition, and deployments that share a broker.

The services run as processes; faults are injected in their database as PostgreSQL raises
them (see `tests.support.faults`), and the tests read topics, groups and tables only.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
from aiokafka import AIOKafkaConsumer

from tests.support.db import asyncpg_url, eventually, fetch
from tests.support.faults import (
    BLOCK_LOCK,
    allow_parking,
    fail,
    fail_parking,
    fault_hits,
    heal,
    install_faults,
)
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import (
    committed_offsets,
    group_members,
    headers_of,
    produce,
    read_topic,
    wait_until_consumed,
)
from tests.support.metrics import scrape, value
from tests.support.signals import routed_signal
from vroeg.shared.cloudevents import Message, encode
from vroeg.shared.db import POOL_SIZE
from vroeg.shared.events import Route, SignalRouted
from vroeg.shared.topics import ROUTE_TOPICS, dead_letter_topic

RESIDENT = ROUTE_TOPICS[Route.RESIDENT].name
FAULTY_TABLE = "matcher.case_signals"


def _message(iso: Isolation, event: SignalRouted) -> Message:
    return encode(event, topic=iso.topic(RESIDENT), source="/tests", trace={})


async def _matcher_state(iso: Isolation) -> tuple[int, int]:
    cases = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.cases")
    signals = await fetch(iso.database_url, "SELECT count(*) AS n FROM matcher.case_signals")
    return cases[0]["n"], signals[0]["n"]


async def _parked_ids(iso: Isolation, expect: int) -> list[str]:
    dead = await read_topic(
        iso.kafka, iso.topic(dead_letter_topic("matcher")), expect=expect, timeout=30
    )
    return sorted(headers_of(d)["ce_id"] for d in dead)


async def _intrude(iso: Isolation) -> None:
    """Two consumers join the matcher's group until they have partitions, then leave."""
    url = iso.database_url
    intruders = [
        AIOKafkaConsumer(
            iso.topic(RESIDENT),
            bootstrap_servers=iso.kafka,
            group_id=iso.group("matcher"),
            enable_auto_commit=False,
        )
        for _ in range(2)
    ]
    for intruder in intruders:
        await intruder.start()
    try:

        async def joined() -> bool:
            return all(i.assignment() for i in intruders)

        assert await eventually(joined, bool)
        hits = await fault_hits(url)
        await eventually(lambda: fault_hits(url), lambda n: n >= hits + 3)
    finally:
        for intruder in intruders:
            await intruder.stop()


async def test_partitions_revoked_while_their_events_are_retried_do_not_end_the_consumer(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["matcher"])
    url = isolation.database_url
    await install_faults(url, FAULTY_TABLE)
    await fail_parking(url, "matcher")  # so each poisoned event is retried over and over
    poisoned = [routed_signal(address_key=f"{p:016d}") for p in range(3)]
    for partition, event in enumerate(poisoned):
        await fail(url, event.signal.signal_id, "P0001")
        await produce(isolation.kafka, [_message(isolation, event)], partition=partition)
    await eventually(lambda: fault_hits(url), lambda n: n >= 9)

    # Twice, two more members join the matcher's group: it loses partitions in the middle of
    # their retries, and gets them back when they leave.
    for _ in range(2):
        await _intrude(isolation)
    await allow_parking(url, "matcher")
    behind = routed_signal(address_key="0000000000000009")
    await produce(isolation.kafka, [_message(isolation, behind)])

    assert await _parked_ids(isolation, expect=3) == sorted(str(e.id) for e in poisoned)
    await wait_until_consumed(
        isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT)
    )
    assert await _matcher_state(isolation) == (1, 1)
    restarts = value(
        await scrape(platform["matcher"].url), "vroeg_task_restarts_total", task="consumer"
    )
    assert not restarts  # it never died


async def test_passing_database_trouble_is_waited_out_and_only_the_events_own_fault_parks_it(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    make_platform().start(["matcher"])
    url = isolation.database_url
    await install_faults(url, FAULTY_TABLE)
    # Serialization failure, deadlock, too many clients, administrator shutdown: one after
    # another on one partition.
    transient = ["40001", "40P01", "53300", "57P01"]
    waiting = [routed_signal(address_key=f"{i:016d}") for i in range(len(transient))]
    for event, sqlstate in zip(waiting, transient, strict=True):
        await fail(url, event.signal.signal_id, sqlstate)
    own_fault = routed_signal(address_key="0000000000000099")
    await fail(url, own_fault.signal.signal_id, "23514")  # a check violation: the event's fault
    await produce(isolation.kafka, [_message(isolation, own_fault)], partition=1)
    await produce(isolation.kafka, [_message(isolation, e) for e in waiting], partition=0)

    dead = await read_topic(
        isolation.kafka, isolation.topic(dead_letter_topic("matcher")), expect=1
    )
    assert [headers_of(d)["ce_id"] for d in dead] == [str(own_fault.id)]
    assert headers_of(dead[0])["vroeg_dlq_attempts"] == "3"
    for event in waiting:
        # Tried more often than VROEG_CONSUMER_MAX_ATTEMPTS (3) allows, then the trouble ends.
        hits = await fault_hits(url)
        await eventually(lambda h=hits: fault_hits(url), lambda n, h=hits: n >= h + 5, 30)
        await heal(url, event.signal.signal_id)

    state = await eventually(lambda: _matcher_state(isolation), lambda s: s == (4, 4))
    assert state == (4, 4)
    assert await _parked_ids(isolation, expect=1) == [str(own_fault.id)]


async def test_a_blocked_partition_holds_up_neither_the_other_partitions_nor_the_group(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    poll_interval_s = 3
    platform = make_platform({"VROEG_CONSUMER_MAX_POLL_INTERVAL_MS": str(poll_interval_s * 1000)})
    platform.start(["matcher"])
    url = isolation.database_url
    await install_faults(url, FAULTY_TABLE)
    slow = routed_signal(address_key="0000000000000001")
    await fail(url, slow.signal.signal_id, "block")
    lock = await asyncpg.connect(asyncpg_url(url))
    await lock.execute("SELECT pg_advisory_lock($1)", BLOCK_LOCK)
    try:
        await produce(isolation.kafka, [_message(isolation, slow)], partition=0)
        await eventually(lambda: fault_hits(url), lambda n: n >= 1)  # its handler is blocked
        others = [routed_signal(address_key=f"100000000000000{p}") for p in (1, 2)]
        for partition, event in zip((1, 2), others, strict=True):
            await produce(isolation.kafka, [_message(isolation, event)], partition=partition)

        state = await eventually(lambda: _matcher_state(isolation), lambda s: s == (2, 2), 30)
        assert state == (2, 2)  # handled while the first partition's event is still blocked
        # Blocked for several times max_poll_interval_ms: the matcher stays in its group.
        members = []
        deadline = time.monotonic() + 3 * poll_interval_s + 1
        while time.monotonic() < deadline:
            members.append(await group_members(isolation.kafka, isolation.group("matcher")))
            await asyncio.sleep(0.5)
        assert min(members) == 1
    finally:
        await lock.close()  # releases the lock: the blocked event goes through

    state = await eventually(lambda: _matcher_state(isolation), lambda s: s == (3, 3))
    assert state == (3, 3)
    dead = isolation.topic(dead_letter_topic("matcher"))
    assert await read_topic(isolation.kafka, dead, expect=0, timeout=1) == []


async def test_a_services_consumer_group_belongs_to_its_topic_prefix(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    make_platform().start(["matcher"])
    await produce(isolation.kafka, [_message(isolation, routed_signal())])

    topic = isolation.topic(RESIDENT)
    await wait_until_consumed(isolation.kafka, isolation.group("matcher"), topic)
    # Another deployment's matcher on this broker uses a group of its own.
    unprefixed = await committed_offsets(isolation.kafka, "vroeg-matcher")
    assert not [tp for tp in unprefixed if tp.topic == topic]


async def test_a_partitions_polled_events_share_one_transaction_and_a_failing_one_goes_alone(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    url = isolation.database_url
    events = [routed_signal(address_key=f"{i:016d}") for i in range(60)]
    poisoned = events[30]
    platform.start(["matcher"])
    await install_faults(url, FAULTY_TABLE)
    await fail(url, poisoned.signal.signal_id, "P0001")
    platform["matcher"].stop()
    # Waiting on the partition when the matcher starts again, so they are polled together.
    await produce(isolation.kafka, [_message(isolation, e) for e in events], partition=0)
    platform.start(["matcher"])

    assert await _parked_ids(isolation, expect=1) == [str(poisoned.id)]
    await wait_until_consumed(
        isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT)
    )
    assert await _matcher_state(isolation) == (59, 59)
    # The inbox rows carry their transaction's start: the 59 came in far fewer transactions.
    rows = await fetch(
        url, "SELECT count(DISTINCT processed_at) AS n, count(*) AS c FROM matcher.processed_events"
    )
    assert rows[0]["c"] == 59
    assert rows[0]["n"] <= 10


async def test_offsets_whose_commit_failed_are_committed_with_the_next_try(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    matcher = make_platform()["matcher"]
    # The first offset commit fails, as the broker can fail one; the partition stays assigned.
    matcher.start({"VROEG_FAILPOINTS": "consumer.offset_commit_fails"})
    matcher.wait_ready()
    await produce(isolation.kafka, [_message(isolation, routed_signal())])

    await eventually(lambda: _matcher_state(isolation), lambda s: s == (1, 1))
    # No record comes after it, yet its offset is committed: not lost with the failed commit.
    await wait_until_consumed(
        isolation.kafka, isolation.group("matcher"), isolation.topic(RESIDENT), timeout=30
    )
    assert "failpoint consumer.offset_commit_fails" in matcher.tail(10**8)


async def test_events_of_many_partitions_wait_for_the_connections_the_pool_keeps(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    # 15 partitions polled at once (five route topics, three partitions each) would each open a
    # transaction: past the ten connections the pool keeps, each one more a new server process
    # that the pool closes again when it is handed back (15 seen when tried). The consumer keeps
    # its transactions within them (handling.TRANSACTIONS).
    matcher = make_platform()["matcher"]
    matcher.start()
    matcher.wait_ready()
    routes = [Route.RESIDENT, Route.DECEASED, Route.MINOR, Route.EMIGRATED, Route.LEGAL_PERSON]
    events = [
        routed_signal(route=routes[n % len(routes)], address_key=f"0363020000{n:06d}")
        for n in range(300)
    ]
    messages = [
        encode(e, topic=isolation.topic(ROUTE_TOPICS[e.route].name), source="/tests", trace={})
        for e in events
    ]
    database = isolation.database_url.rsplit("/", 1)[1]
    watcher = await asyncpg.connect(asyncpg_url(isolation.database_url))
    seen: set[int] = set()
    try:
        await produce(isolation.kafka, messages, together=True)
        deadline = time.monotonic() + 60
        handled = 0
        while handled < len(events) and time.monotonic() < deadline:
            rows = await watcher.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
                database,
                "vroeg-matcher",
            )
            seen.update(row["pid"] for row in rows)
            handled = await watcher.fetchval("SELECT count(*) FROM matcher.processed_events")
            await asyncio.sleep(0.01)
    finally:
        await watcher.close()
    assert handled == len(events)
    # Besides the consumer's seven, the relay's, a readiness check's and a periodic job's (two
    # while it runs) may be open: within the ten kept but for a job's second, at a stretch.
    assert 0 < len(seen) <= POOL_SIZE + 1
