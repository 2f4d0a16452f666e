"""Kafka clients: the idempotent producer and topic creation."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from vroeg.shared.settings import ServiceSettings

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36


def create_producer(settings: ServiceSettings, *, service: str) -> AIOKafkaProducer:
    """An idempotent producer: a retried send never writes a record twice."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"vroeg-{service}",
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
    )


async def ensure_topics(settings: ServiceSettings, names: Iterable[str], *, service: str) -> None:
    """Create the topics that do not exist yet (the broker does not auto-create them)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id=f"vroeg-{service}-admin"
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(names) - existing)
        if not missing:
            return
        response = await admin.create_topics(
            [
                NewTopic(
                    name,
                    num_partitions=settings.topic_partitions,
                    replication_factor=settings.topic_replication_factor,
                )
                for name in missing
            ]
        )
        for name, code, *_ in response.topic_errors:
            # Another service may have created it between our list and our create.
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"could not create topic {name}: error code {code}")
        log.info("created topics", extra={"topics": missing})
    finally:
        await admin.close()


async def broker_reachable(producer: AIOKafkaProducer) -> bool:
    """True when the broker answers a metadata request."""
    try:
        return bool(await producer.client.force_metadata_update())
    except Exception:
        return False
