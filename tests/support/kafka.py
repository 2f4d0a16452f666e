"""Reading and writing topics the way another system would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.structs import ConsumerRecord

from vroeg.deploy import infra
from vroeg.deploy.processes import free_port, port_bindable
from vroeg.shared.cloudevents import Message, decode, encode, header_map
from vroeg.shared.events import Event
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.settings import KafkaConnection

# A broker: its bootstrap address (plain text, as the shared test broker) or a whole connection.
Kafka = str | KafkaConnection

# DescribeConfigs' source of a value set on the topic itself.
DYNAMIC_TOPIC_CONFIG = 1


def client_options(kafka: Kafka) -> dict[str, Any]:
    """The aiokafka connection options for a broker, as the services build them."""
    if isinstance(kafka, str):
        kafka = KafkaConnection.model_validate({"KAFKA_BOOTSTRAP_SERVERS": kafka})
    return kafka_client_options(kafka)


async def produce(
    bootstrap: Kafka,
    messages: Sequence[Message],
    *,
    partition: int | None = None,
    together: bool = False,
) -> None:
    """Send records (to `partition` if given, else as keyed) and wait for the broker's
    acknowledgement: each before the next, or `together` in one request (a consumer then
    fetches a partition's records at once, as one batch)."""
    producer = AIOKafkaProducer(
        **client_options(bootstrap), acks="all", linger_ms=1000 if together else 0
    )
    await producer.start()
    try:
        sent = []
        for m in messages:
            sending = await producer.send(
                m.topic, value=m.value, key=m.key, headers=list(m.headers), partition=partition
            )
            if together:
                sent.append(sending)
            else:
                await sending
        await producer.flush()
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def publish(bootstrap: Kafka, topic: str, events: Sequence[Event]) -> None:
    """Publish events as their producer would (in our CloudEvents envelope, without a trace)."""
    await produce(bootstrap, [encode(e, topic=topic, source="/tests", trace={}) for e in events])


async def read_topic(
    bootstrap: Kafka, topic: str, *, expect: int, timeout: float = 60, settle: float = 1.5
) -> list[ConsumerRecord]:
    """Every record on `topic`: waits for at least `expect`, then `settle` seconds for extras."""
    consumer = AIOKafkaConsumer(
        **client_options(bootstrap), group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        partitions: set[int] | None = None
        while not partitions and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                await consumer._client.force_metadata_update()
                await asyncio.sleep(0.2)
        if not partitions:
            return []
        tps = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        records: list[ConsumerRecord] = []
        settle_until: float | None = None
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            if len(records) >= expect:
                settle_until = settle_until or time.monotonic() + settle
                if time.monotonic() >= settle_until:
                    break
        return records
    finally:
        await consumer.stop()


async def read_events(bootstrap: Kafka, topic: str, *, expect: int, **kw: float) -> list[Event]:
    """The events on a topic, decoded."""
    return [
        decode(r.headers, r.value) for r in await read_topic(bootstrap, topic, expect=expect, **kw)
    ]


def distinct(records: Sequence[ConsumerRecord]) -> list[ConsumerRecord]:
    """Each event once: the relay sends at least once (a send acknowledged after its time limit
    goes again, from the same outbox row), so a record may come twice, with the same `ce_id` and
    the same bytes. Two records with one id and different contents are a fault, not a resend."""
    first: dict[str, ConsumerRecord] = {}
    for record in records:
        seen = first.setdefault(headers_of(record)["ce_id"], record)
        assert (seen.value, list(seen.headers)) == (record.value, list(record.headers)), (
            f"{record.topic}: two different events with one id, at offsets {seen.offset} and "
            f"{record.offset}"
        )
    return list(first.values())


def headers_of(record: ConsumerRecord) -> dict[str, str]:
    """A record's headers as text."""
    return header_map(record.headers)


async def committed_offsets(bootstrap: Kafka, group: str) -> dict[TopicPartition, int]:
    """The offsets a consumer group has committed."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
        return {tp: meta.offset for tp, meta in offsets.items()}
    finally:
        await admin.close()


async def end_offsets(bootstrap: Kafka, topic: str) -> dict[TopicPartition, int]:
    """The next offset of every partition of a topic."""
    consumer = AIOKafkaConsumer(**client_options(bootstrap), group_id=None)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return dict(await consumer.end_offsets(tps))
    finally:
        await consumer.stop()


async def group_members(bootstrap: Kafka, group: str) -> int:
    """How many consumers are members of `group` now."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await admin.start()
    try:
        (response,) = await admin.describe_consumer_groups([group])
        # DescribeGroups: (error_code, group_id, state, protocol_type, protocol, members, …)
        return len(response.groups[0][5])
    finally:
        await admin.close()


async def wait_until_consumed(
    bootstrap: Kafka, group: str, topic: str, timeout: float = 60
) -> None:
    """Until `group` has committed every record now on `topic`."""
    ends = await end_offsets(bootstrap, topic)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        committed = await committed_offsets(bootstrap, group)
        if all(committed.get(tp, 0) >= end for tp, end in ends.items()):
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"{group} did not consume all of {topic} within {timeout}s")


async def topic_configs(bootstrap: Kafka, names: Sequence[str]) -> dict[str, dict[str, str]]:
    """Per topic, the values set on the topic itself (not the broker's defaults)."""
    admin = AIOKafkaAdminClient(**client_options(bootstrap))
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
    finally:
        await admin.close()
    return {
        name: {e[0]: e[1] for e in entries if e[3] == DYNAMIC_TOPIC_CONFIG}
        for response in responses
        for _, _, _, name, entries in response.resources
    }


async def delete_topics_with_prefix(bootstrap: Kafka, prefix: str) -> None:
    """Delete a finished test's topics: the shared broker keeps a few files open per partition
    (its limit on open files is the machine's), and a full run creates thousands."""
    await infra.delete_topics(prefix, **client_options(bootstrap))


def free_port_pair() -> int:
    """A port for a throwaway broker whose next one is free too (its controller listens there)."""
    while True:
        port = free_port()
        if port < 32767 and port_bindable(port + 1):  # both below the ephemeral range
            return port
