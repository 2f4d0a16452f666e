"""Topics with personal data keep records no longer than the policy allows (R-MAT-5), on the
real broker: set at creation, and corrected on a topic that already exists."""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.support.db import eventually
from tests.support.fixtures import Isolation
from tests.support.kafka import client_options, topic_configs
from vroeg.shared.messaging.kafka import ensure_topics
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.topics import TOPICS, dead_letter_topic

YEAR_MS = str(365 * 86400 * 1000)


async def test_personal_topics_get_the_retention_at_creation_and_existing_ones_are_corrected(
    isolation: Isolation,
) -> None:
    settings = ServiceSettings(
        KAFKA_BOOTSTRAP_SERVERS=isolation.kafka, VROEG_TOPIC_PREFIX=isolation.topic_prefix
    )
    topics = {settings.topic(t.name): t.personal_data for t in TOPICS}
    topics[settings.topic(dead_letter_topic("intake"))] = True
    received = settings.topic("vroeg.intake.signal-received.v1")
    refused = settings.topic("vroeg.intake.signal-refused.v1")
    assert topics[received]
    assert not topics[refused]

    # Made earlier by hand (or by an older release): kept a year, with a setting of its own.
    admin = AIOKafkaAdminClient(**client_options(isolation.kafka))
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    received,
                    num_partitions=1,
                    replication_factor=1,
                    topic_configs={"retention.ms": YEAR_MS, "max.message.bytes": "2000000"},
                )
            ]
        )
    finally:
        await admin.close()

    facts = {settings.topic(t.name) for t in TOPICS if t.fact}
    await ensure_topics(settings, topics, service="intake", kept=facts)

    week_ms = str(7 * 86400 * 1000)
    assert str(settings.personal_topic_retention_ms) == week_ms
    # The broker applies a configuration change shortly after acknowledging it.
    configs = await eventually(
        lambda: topic_configs(isolation.kafka, list(topics)),
        lambda c: c[received].get("retention.ms") == week_ms,
        timeout=15,
    )
    for name, personal in topics.items():
        assert (configs[name].get("retention.ms") == week_ms) is personal, name
    # The lean facts the monitor rebuilds from are kept for good.
    assert facts
    assert {name: configs[name].get("retention.ms") for name in facts} == dict.fromkeys(facts, "-1")
    # The correction changed only the retention.
    assert configs[received]["max.message.bytes"] == "2000000"

    # Running again (every start) keeps it so.
    await ensure_topics(settings, topics, service="intake", kept=facts)
    await asyncio.sleep(1)
    assert await topic_configs(isolation.kafka, list(topics)) == configs
