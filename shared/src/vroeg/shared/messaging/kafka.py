"""Kafka clients: the idempotent producer and topic creation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import for_code

from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.settings import ServiceSettings

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36
_DESCRIBE_ATTEMPTS = 20
_RETENTION_MS = "retention.ms"
_KEPT_MS = "-1"  # no time limit
# DescribeConfigs' config source of a value set on the topic itself.
_DYNAMIC_TOPIC_CONFIG = 1


def create_producer(settings: ServiceSettings, *, service: str) -> AIOKafkaProducer:
    """An idempotent producer: a retried send never writes a record twice."""
    return AIOKafkaProducer(
        **kafka_client_options(settings),
        client_id=f"vroeg-{service}",
        enable_idempotence=True,
        acks="all",
        linger_ms=5,
    )


async def ensure_topics(
    settings: ServiceSettings,
    topics: Mapping[str, bool],
    *,
    service: str,
    compacted: Collection[str] = (),
    kept: Collection[str] = (),
) -> None:
    """Create the topics that do not exist yet (the broker does not auto-create them).

    `topics` maps each physical name to whether it carries personal data; those are kept no
    longer than `settings.personal_topic_retention_ms` (R-MAT-5): set at creation, and set
    again on a topic that exists with another retention. Those named in `compacted` keep
    each key's latest record instead of expiring (they must carry no personal data); those
    named in `kept` (lean facts the monitor rebuilds from) are created to keep every record.
    """
    personal_ms = str(settings.personal_topic_retention_ms)
    admin = AIOKafkaAdminClient(
        **kafka_client_options(settings), client_id=f"vroeg-{service}-admin"
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(topics) - existing)
        created: set[str] = set()
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(
                        name,
                        num_partitions=settings.topic_partitions,
                        replication_factor=settings.topic_replication_factor,
                        topic_configs=_configs(
                            personal_ms if topics[name] else _KEPT_MS if name in kept else None,
                            name in compacted,
                        ),
                    )
                    for name in missing
                ]
            )
            for name, code, *_ in response.topic_errors:
                if code == 0:
                    created.add(name)
                # Another service may have created it between our list and our create.
                elif code != _TOPIC_ALREADY_EXISTS:
                    raise RuntimeError(f"could not create topic {name}: error code {code}")
            log.info("created topics", extra={"topics": sorted(created)})
        # Topics made before (by an older release, by hand) may keep personal data too long.
        await _limit_retention(
            admin,
            sorted(n for n, personal in topics.items() if personal and n not in created),
            personal_ms,
        )
    finally:
        await admin.close()


def _configs(retention_ms: str | None, compacted: bool) -> dict[str, str] | None:
    configs = {_RETENTION_MS: retention_ms} if retention_ms else {}
    if compacted:
        configs["cleanup.policy"] = "compact"
    return configs or None


async def _limit_retention(admin: AIOKafkaAdminClient, names: list[str], ms: str) -> None:
    """Set `retention.ms` on existing topics that have another one."""
    changes = []
    for attempt in range(_DESCRIBE_ATTEMPTS):
        if not names:
            break
        if attempt:
            await asyncio.sleep(min(0.25 * attempt, 2.0))
        described = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, name) for name in names]
        )
        unknown = []
        for response in described:
            for code, message, _, name, entries in response.resources:
                # Created by another service a moment ago: the broker may not know it yet (on a
                # broker that has just started, with every service creating topics, for seconds).
                if code and for_code(code).retriable and attempt + 1 < _DESCRIBE_ATTEMPTS:
                    unknown.append(name)
                    continue
                if code:
                    raise RuntimeError(
                        f"could not read the configuration of {name}: "
                        f"{for_code(code).__name__} {message}"
                    )
                # AlterConfigs replaces every topic-level value: the others are sent back as is.
                own = {e[0]: e[1] for e in entries if e[3] == _DYNAMIC_TOPIC_CONFIG}
                if own.get(_RETENTION_MS) != ms:
                    changes.append(
                        ConfigResource(ConfigResourceType.TOPIC, name, {**own, _RETENTION_MS: ms})
                    )
        names = unknown
    if not changes:
        return
    for response in await admin.alter_configs(changes):
        for code, message, _, name in response.resources:
            if code:
                raise RuntimeError(f"could not set the retention of {name}: {message}")
    log.info("set topic retention", extra={"topics": [c.name for c in changes], "ms": ms})


async def broker_reachable(producer: AIOKafkaProducer) -> bool:
    """True when the broker answers a metadata request."""
    try:
        return bool(await producer.client.force_metadata_update())
    except Exception:
        return False
