"""A case's first events on two topics at once: CaseOpened and a CaseUpdated are on partitions
of their own, handled side by side (by two workers of one process, or by two replicas), and
both find no case yet. Both are handled at the first attempt: one case, at the newer version,
one first-contact deadline announced once."""

from __future__ import annotations

import asyncio

from tests.support.db import fetch
from tests.support.faults import slow_inserts
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_events, read_topic, wait_until_consumed
from tests.support.metrics import scrape, value
from tests.support.signals import opened_case
from vroeg.shared.events import CaseUpdated
from vroeg.shared.topics import (
    CASE_OPENED,
    CASE_UPDATED,
    FIRST_CONTACT_DEADLINE_SET,
    dead_letter_topic,
)

# Each case row takes this long to write, so the second event's handler looks for the case
# while the first's insert is still in flight.
SLOW_INSERT_S = 1.0


async def test_a_new_case_on_two_topics_at_once_is_stored_once_and_no_attempt_fails(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["idp-standin", "followup"])
    followup = platform["followup"]
    await slow_inserts(isolation.database_url, "followup.cases", SLOW_INSERT_S)
    opened = opened_case()
    updated = CaseUpdated(
        municipality=opened.municipality,
        occurred_at=opened.occurred_at,
        case_id=opened.case_id,
        changes=(),
        state=opened.state.model_copy(update={"version": 2}),
    )
    topics = {CASE_OPENED: [opened], CASE_UPDATED: [updated]}

    await asyncio.gather(
        *(publish(isolation.kafka, isolation.topic(t.name), e) for t, e in topics.items())
    )
    for topic in topics:
        await wait_until_consumed(
            isolation.kafka, isolation.group("followup"), isolation.topic(topic.name)
        )

    samples = await scrape(followup.url)
    for topic in topics:
        name = isolation.topic(topic.name)
        assert value(samples, "vroeg_events_failed_total", topic=name) == 0, topic.name
        assert value(samples, "vroeg_events_handled_total", topic=name) == 1, topic.name
    cases = await fetch(isolation.database_url, "SELECT case_id, case_version FROM followup.cases")
    assert [(r["case_id"], r["case_version"]) for r in cases] == [(opened.case_id, 2)]
    deadlines = await fetch(
        isolation.database_url, "SELECT case_id FROM followup.first_contact_deadlines"
    )
    assert [r["case_id"] for r in deadlines] == [opened.case_id]
    announced = await read_events(
        isolation.kafka, isolation.topic(FIRST_CONTACT_DEADLINE_SET.name), expect=1
    )
    assert len(announced) == 1
    dead = isolation.topic(dead_letter_topic("followup"))
    assert await read_topic(isolation.kafka, dead, expect=0, timeout=1) == []


async def test_a_batch_of_redelivered_events_is_skipped_at_the_first_attempt(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    # After a crash between a batch's commit and its offsets' commit, the records come again,
    # all of them handled already: the batch has no new event to prepare, and goes through
    # without failing (a prepare of no events wrote an empty case row, and each such batch
    # failed and went again halved until its records went one by one).
    platform = make_platform()
    platform.start(["idp-standin", "followup"])
    followup = platform["followup"]
    cases = [opened_case() for _ in range(12)]
    topic = isolation.topic(CASE_OPENED.name)
    for _ in range(2):  # the second time: the same events, ids and all
        await publish(isolation.kafka, topic, cases)
        await wait_until_consumed(isolation.kafka, isolation.group("followup"), topic)

    assert "failed together" not in followup.tail(10**7)
    samples = await scrape(followup.url)
    assert value(samples, "vroeg_events_handled_total", topic=topic) == len(cases)
    stored = await fetch(isolation.database_url, "SELECT case_id FROM followup.cases")
    assert sorted(r["case_id"] for r in stored) == sorted(c.case_id for c in cases)
