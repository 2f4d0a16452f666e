"""The consumer runtime: each event processed once, in one transaction, or dead-lettered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from vroeg.shared.cloudevents import UndecodableMessage, decode, header_map
from vroeg.shared.events import Event
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.messaging.failpoints import CONSUMER_AFTER_COMMIT, Failpoints
from vroeg.shared.messaging.unit_of_work import Database, UnitOfWork
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.topics import Topic

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Any], Awaitable[None]]

# Longest pause between tries while a dependency is down: bounds the delay once it is back.
MAX_WAIT_S = 5.0


class DependencyUnavailable(RuntimeError):
    """A system the handler needs is down; the event is not at fault and waits for it."""


@dataclass(frozen=True)
class Subscription:
    """A topic a service reads and the handler that carries out each of its events."""

    topic: Topic
    handler: Handler


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what was processed before partitions move to another consumer."""

    def __init__(self, runner: EventConsumer) -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._runner.commit(only=revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("partitions assigned", extra={"partitions": sorted(str(tp) for tp in assigned)})


class EventConsumer:
    """Reads a service's topics as its consumer group and hands each event to its handler.

    Per record: the event id is claimed in the inbox and the handler runs, in one transaction;
    only after that commits is the offset committed. A redelivered event finds its id claimed
    and changes nothing. A failing event is retried with backoff up to `max_attempts`, then
    parked on the service's dead-letter topic, so it does not hold up the events behind it.
    """

    def __init__(
        self,
        *,
        service: str,
        settings: ServiceSettings,
        database: Database,
        subscriptions: Sequence[Subscription],
        failpoints: Failpoints,
    ) -> None:
        self._service = service
        self._settings = settings
        self._db = database
        self._handlers = {settings.topic(s.topic.name): s.handler for s in subscriptions}
        self._failpoints = failpoints
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._processed: dict[TopicPartition, int] = {}
        # Set while events wait for a dependency that is down (readiness reports it).
        self.waiting_on: str | None = None

    @property
    def topics(self) -> tuple[str, ...]:
        """The physical topics this consumer reads."""
        return tuple(self._handlers)

    def stop(self) -> None:
        """Finish the current event, commit, and return from `run`."""
        self._stopping.set()

    async def run(self) -> None:
        """Consume until `stop` is called."""
        consumer = AIOKafkaConsumer(
            **kafka_client_options(self._settings),
            group_id=f"vroeg-{self._service}",
            client_id=f"vroeg-{self._service}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        consumer.subscribe(topics=list(self._handlers), listener=_CommitOnRevoke(self))
        self._consumer = consumer
        await consumer.start()
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=200, max_records=200)
                # Partitions are independent (order holds per key, so per partition): handle
                # them side by side; within a partition, strictly one event after another.
                await asyncio.gather(
                    *(
                        self._process_partition(consumer, tp, records)
                        for tp, records in batches.items()
                    )
                )
                await self.commit()
        finally:
            await self.commit()
            await consumer.stop()
            self._consumer = None

    async def lag(self) -> dict[TopicPartition, int]:
        """Per assigned partition, the records not yet processed and committed (metrics)."""
        consumer = self._consumer
        if consumer is None:
            return {}
        lags = {}
        for tp in consumer.assignment():
            # read_committed: the last stable offset is the end the group can read up to.
            end = consumer.last_stable_offset(tp)
            if end is not None:
                lags[tp] = max(0, end - (await consumer.committed(tp) or 0))
        return lags

    async def commit(self, only: set[TopicPartition] | None = None) -> None:
        """Commit the offsets of what was processed (and committed to the database)."""
        consumer = self._consumer
        if consumer is None:
            return
        assigned = consumer.assignment()
        offsets = {
            tp: offset
            for tp, offset in self._processed.items()
            if tp in assigned and (only is None or tp in only)
        }
        for tp in offsets:
            del self._processed[tp]
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # The new owner re-reads these events; the inbox makes that harmless.
            log.warning("offset commit failed: %s", exc)

    async def _process_partition(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[ConsumerRecord]
    ) -> None:
        for record in records:
            # Stopping, or the partition moved: the rest is re-read from the committed offset.
            if self._stopping.is_set() or tp not in consumer.assignment():
                return
            try:
                done = await self._process(record)
            except Exception:
                # Not even the dead letter could be written (database down): read it again.
                log.exception("could not process or park %s; will retry", _where(record))
                consumer.seek(tp, record.offset)
                await asyncio.sleep(self._settings.consumer_retry_backoff_s)
                return
            if not done:
                return
            self._processed[tp] = record.offset + 1

    async def _process(self, record: ConsumerRecord) -> bool:
        """Handle or dead-letter one record; False if stopped while waiting for a dependency."""
        context = propagate.extract(header_map(record.headers))
        tracer = trace.get_tracer(__name__)
        with tracer.start_as_current_span(
            f"process {record.topic}",
            context=context,
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": f"vroeg-{self._service}",
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
            },
        ) as span:
            try:
                event: Event | None = decode(record.headers, record.value)
                error: BaseException | None = None
            except UndecodableMessage as exc:
                event, error = None, exc
            event_id = str(event.id) if event else _where(record)
            span.set_attribute("messaging.message.id", event_id)
            attempts = waits = 0
            if event is not None:
                handler = self._handlers[record.topic]
                while attempts < self._settings.consumer_max_attempts:
                    attempts += 1
                    try:
                        async with self._db.unit_of_work() as uow:
                            if await uow.claim(event_id):
                                await handler(uow, event)
                            else:
                                span.set_attribute("vroeg.duplicate", True)
                        self.waiting_on = None
                        self._failpoints.hit(CONSUMER_AFTER_COMMIT)
                        return True
                    except DependencyUnavailable as exc:
                        # Not the event's fault: it waits as long as the outage lasts.
                        attempts -= 1
                        waits += 1
                        self.waiting_on = str(exc)
                        log.warning("waiting for a dependency: %s", exc)
                        if self._stopping.is_set():
                            return False
                        await asyncio.sleep(
                            min(
                                MAX_WAIT_S,
                                self._settings.consumer_retry_backoff_s * 2 ** min(waits, 10),
                            )
                        )
                    except Exception as exc:
                        error = exc
                        log.warning(
                            "handling %s failed (attempt %d of %d): %r",
                            event_id,
                            attempts,
                            self._settings.consumer_max_attempts,
                            exc,
                        )
                        if attempts < self._settings.consumer_max_attempts:
                            await asyncio.sleep(
                                self._settings.consumer_retry_backoff_s * 2 ** (attempts - 1)
                            )
            assert error is not None
            span.set_status(Status(StatusCode.ERROR, str(error)))
            async with self._db.unit_of_work() as uow:
                if await uow.claim(event_id):
                    await uow.dead_letter(record, error, attempts)
            log.error("parked %s on the dead-letter topic: %r", event_id, error)
            return True


def _where(record: ConsumerRecord) -> str:
    return f"{record.topic}/{record.partition}/{record.offset}"
