"""The consumer runtime: each event processed once, in one transaction, or dead-lettered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from prometheus_client import Counter

from vroeg.shared import metrics
from vroeg.shared.cloudevents import UndecodableMessage, decode, header_map
from vroeg.shared.db import transient_database_error
from vroeg.shared.events import Event
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.messaging.failpoints import (
    CONSUMER_AFTER_COMMIT,
    CONSUMER_CRASH,
    CONSUMER_OFFSET_COMMIT_FAILS,
    Failpoints,
)
from vroeg.shared.messaging.unit_of_work import Database, UnitOfWork
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.telemetry import error_text
from vroeg.shared.topics import Topic

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Any], Awaitable[None]]

# Longest pause between tries while a dependency is down: bounds the delay once it is back.
MAX_WAIT_S = 5.0
# How long a rebalance waits for a partition's event in progress before abandoning it (the
# new owner redoes it; the inbox makes that harmless). Below aiokafka's rebalance timeout.
# Most records of a partition handled in one transaction: fewer commits, and a failure among
# them redoes at most this many.
BATCH_MAX = 200
RELEASE_TIMEOUT_S = 5.0


class DependencyUnavailable(RuntimeError):
    """A system the handler needs is down; the event is not at fault and waits for it."""


@dataclass(frozen=True)
class Subscription:
    """A topic a service reads and the handler that carries out each of its events."""

    topic: Topic
    handler: Handler
    # Whether a partition's polled events may share one transaction: only for a handler that
    # touches nothing but its own database. One that calls out (brp-check asks the BRP) would
    # hold a transaction open across every call of the batch, so it gets one per event.
    batch: bool = False


def consumer_group(settings: ServiceSettings, service: str) -> str:
    """The service's consumer group: per topic prefix, so deployments sharing a broker (and
    tests) never share a group."""
    return f"vroeg-{settings.topic_prefix}{service}"


@dataclass
class _Worker:
    """The task working through one partition's fetched records, and its signal to stop."""

    task: asyncio.Task[None]
    halt: asyncio.Event = field(default_factory=asyncio.Event)


class _ReleaseOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Stops the work on partitions that move to another consumer and commits what was done."""

    def __init__(self, runner: EventConsumer) -> None:
        self._runner = runner

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._runner.release(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        log.info("partitions assigned", extra={"partitions": sorted(str(tp) for tp in assigned)})


class EventConsumer:
    """Reads a service's topics as its consumer group and hands each event to its handler.

    Per record: the event id is claimed in the inbox and the handler runs, in one transaction;
    only after that commits is the offset committed. A redelivered event finds its id claimed
    and changes nothing. A failing event is retried with backoff up to `max_attempts`, then
    parked on the service's dead-letter topic, so it does not hold up the events behind it. A
    dependency that is down or passing database trouble is no attempt: the event waits.

    Where its subscription allows it (`batch`), a partition's fetched records are handled
    together, in one transaction (at most `BATCH_MAX`); if one fails, nothing of them is kept,
    those before it go together again and it goes alone, with the guarantees above. Handlers
    need not know.

    Each partition with fetched records gets a worker task and is paused until the worker is
    through, so a slow partition holds up only itself, and the poll loop goes on (a long wait
    never overruns `max_poll_interval_ms`, which would throw the consumer out of its group).
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
        self._group = consumer_group(settings, service)
        self._settings = settings
        self._db = database
        self._handlers = {settings.topic(s.topic.name): s.handler for s in subscriptions}
        self._batched = {settings.topic(s.topic.name): s.batch for s in subscriptions}
        self._failpoints = failpoints
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._workers: dict[TopicPartition, _Worker] = {}
        self._processed: dict[TopicPartition, int] = {}
        self._waiting: dict[TopicPartition, str] = {}

    @property
    def topics(self) -> tuple[str, ...]:
        """The physical topics this consumer reads."""
        return tuple(self._handlers)

    @property
    def waiting_on(self) -> str | None:
        """What events wait for while a dependency is down (readiness reports it), else None."""
        return next(iter(self._waiting.values()), None)

    def stop(self) -> None:
        """Finish the current events, commit, and return from `run`."""
        self._stopping.set()
        for worker in self._workers.values():
            worker.halt.set()

    async def run(self) -> None:
        """Consume until `stop` is called."""
        consumer = AIOKafkaConsumer(
            **kafka_client_options(self._settings),
            group_id=self._group,
            client_id=self._group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_interval_ms=self._settings.consumer_max_poll_interval_ms,
        )
        consumer.subscribe(topics=list(self._handlers), listener=_ReleaseOnRevoke(self))
        self._consumer = consumer
        await consumer.start()
        try:
            while not self._stopping.is_set():
                batches = await consumer.getmany(timeout_ms=100, max_records=500)
                for tp, records in batches.items():
                    if records and not self._stopping.is_set():
                        self._start_worker(consumer, tp, records)
                await self.commit()
                if batches:
                    self._failpoints.crash(CONSUMER_CRASH)  # supervision tests
        finally:
            await self.release(set(self._workers))
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

    def _start_worker(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, records: list[ConsumerRecord]
    ) -> None:
        # No more records of this partition until these are done: order holds per partition.
        with contextlib.suppress(IllegalStateError):
            consumer.pause(tp)
        halt = asyncio.Event()
        task = asyncio.create_task(self._work(consumer, tp, records, halt), name=f"consume {tp}")
        self._workers[tp] = _Worker(task, halt)

    async def release(self, partitions: set[TopicPartition]) -> None:
        """Stop the workers of `partitions` (after their event in progress) and commit."""
        workers = [w for tp, w in self._workers.items() if tp in partitions]
        for worker in workers:
            worker.halt.set()
        if workers:
            _, stuck = await asyncio.wait([w.task for w in workers], timeout=RELEASE_TIMEOUT_S)
            for task in stuck:
                log.warning("abandoning %s: its event is still in progress", task.get_name())
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        await self.commit(only=partitions)
        for tp in partitions:
            # Whatever was not committed is the next owner's to read again; kept, it could
            # later commit an offset behind that owner's, should the partition come back.
            self._processed.pop(tp, None)

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
            self._failpoints.fail(CONSUMER_OFFSET_COMMIT_FAILS, KafkaError("failpoint"))
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            log.warning("offset commit failed: %s", exc)
            # A partition still ours commits them with the next try, not only once more of
            # its records arrive (a newer offset noted meanwhile wins). Those it lost: the
            # new owner re-reads the events; the inbox makes that harmless.
            assigned = consumer.assignment()
            for tp, offset in offsets.items():
                if tp in assigned:
                    self._processed[tp] = max(offset, self._processed.get(tp, offset))

    async def _work(
        self,
        consumer: AIOKafkaConsumer,
        tp: TopicPartition,
        records: list[ConsumerRecord],
        halt: asyncio.Event,
    ) -> None:
        """Process a partition's records in order, then fetch on from it."""
        pending = list(records)
        most = BATCH_MAX if self._batched[tp.topic] else 1
        together = most
        try:
            while pending and not halt.is_set():
                chunk = pending[:together]
                if len(chunk) > 1:
                    failed_at = await self._process_together(chunk, tp)
                    if failed_at is None:
                        self._processed[tp] = chunk[-1].offset + 1
                        del pending[: len(chunk)]
                        together = most
                        continue
                    if failed_at > 0:
                        together = failed_at  # those before the failing one, together again
                        continue
                # The failing record (or a lone one): retried or parked by itself.
                if not await self._process(pending[0], tp, halt):
                    break
                self._processed[tp] = pending.pop(0).offset + 1
                together = most
        except Exception:
            # A fault of the runtime itself: the records are read again after a pause.
            log.exception("consuming %s failed; will read it again", tp)
            await _sleep(self._settings.consumer_retry_backoff_s, halt)
        finally:
            self._waiting.pop(tp, None)
            if self._workers.get(tp) is not None and self._workers[tp].halt is halt:
                del self._workers[tp]
            # The partition may have been revoked meanwhile: its new owner (or this consumer,
            # assigned it again) starts from the committed offset, and these calls would raise.
            if tp in consumer.assignment():
                with contextlib.suppress(IllegalStateError):
                    if pending:
                        consumer.seek(tp, pending[0].offset)
                    if not halt.is_set():
                        consumer.resume(tp)

    async def _process_together(
        self, records: list[ConsumerRecord], tp: TopicPartition
    ) -> int | None:
        """Handle consecutive records of a partition in one transaction: inbox rows, state
        changes and outbox rows commit together. None if they did; else nothing changed and
        the index of the record that failed (0 if it is not known which)."""
        events: list[Event] = []
        for index, record in enumerate(records):
            try:
                events.append(decode(record.headers, record.value))
            except UndecodableMessage:
                return index
        current = 0
        handled: list[float] = []  # each handler call's seconds, counted once all commit
        try:
            async with self._db.unit_of_work() as uow:
                fresh = await uow.claim_many([str(e.id) for e in events])
                for index, (record, event) in enumerate(zip(records, events, strict=True)):
                    current = index
                    with self._span(record) as span:
                        span.set_attribute("messaging.message.id", str(event.id))
                        if str(event.id) in fresh:
                            fresh.discard(str(event.id))  # once, if it came twice
                            started = time.perf_counter()
                            await self._handlers[record.topic](uow, event)
                            handled.append(time.perf_counter() - started)
                        else:
                            span.set_attribute("vroeg.duplicate", True)
                current = 0  # from here on, the commit failed: no record is to blame
        except Exception as exc:
            log.info(
                "%d events of %s failed together at the %d-th (%s); that one goes alone",
                len(records),
                tp,
                current + 1,
                type(exc).__name__,
            )
            # Nothing of them happened: the records go again, and only those runs are counted.
            return current
        self._waiting.pop(tp, None)
        for seconds in handled:
            _count(metrics.EVENTS_HANDLED, tp.topic, seconds)
        self._failpoints.hit(CONSUMER_AFTER_COMMIT)
        return None

    @contextlib.contextmanager
    def _span(self, record: ConsumerRecord) -> Iterator[Span]:
        """The consumer span of one record, continuing its producer's trace."""
        with trace.get_tracer(__name__).start_as_current_span(
            f"process {record.topic}",
            context=propagate.extract(header_map(record.headers)),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": self._group,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
            },
        ) as span:
            yield span

    async def _process(
        self, record: ConsumerRecord, tp: TopicPartition, halt: asyncio.Event
    ) -> bool:
        """Handle or dead-letter one record; False if halted first (it is read again)."""
        with self._span(record) as span:
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
                    if halt.is_set():
                        return False
                    seconds: float | None = None  # the handler's, if it ran
                    try:
                        async with self._db.unit_of_work() as uow:
                            if await uow.claim(event_id):
                                started = time.perf_counter()
                                try:
                                    await handler(uow, event)
                                finally:
                                    seconds = time.perf_counter() - started
                            else:
                                span.set_attribute("vroeg.duplicate", True)
                        self._waiting.pop(tp, None)
                        if seconds is not None:
                            _count(metrics.EVENTS_HANDLED, record.topic, seconds)
                        self._failpoints.hit(CONSUMER_AFTER_COMMIT)
                        return True
                    except Exception as exc:
                        reason = _not_the_events_fault(exc)
                        if reason is not None:
                            # Not the event's fault: it waits as long as the outage lasts.
                            waits += 1
                            await self._wait(tp, reason, waits, halt)
                            continue
                        attempts += 1
                        _count(metrics.EVENTS_FAILED, record.topic, seconds)
                        error = exc
                        log.warning(
                            "handling %s failed (attempt %d of %d): %r",
                            event_id,
                            attempts,
                            self._settings.consumer_max_attempts,
                            exc,
                        )
                        if attempts < self._settings.consumer_max_attempts:
                            await _sleep(
                                self._settings.consumer_retry_backoff_s * 2 ** (attempts - 1),
                                halt,
                            )
            assert error is not None
            span.set_status(Status(StatusCode.ERROR, str(error)))
            # The id is not claimed: a parked event stays replayable (`vroeg dead-letters`).
            while not halt.is_set():
                try:
                    async with self._db.unit_of_work() as uow:
                        await uow.dead_letter(record, error, attempts)
                except Exception as exc:
                    # Not even the dead letter could be written: try again until it can.
                    waits += 1
                    await self._wait(tp, _not_the_events_fault(exc) or error_text(exc), waits, halt)
                    continue
                self._waiting.pop(tp, None)
                log.error("parked %s on the dead-letter topic: %r", event_id, error)
                return True
            return False

    async def _wait(self, tp: TopicPartition, reason: str, waits: int, halt: asyncio.Event) -> None:
        self._waiting[tp] = reason
        log.warning("waiting for a dependency: %s", reason)
        backoff = self._settings.consumer_retry_backoff_s * 2 ** min(waits, 10)
        await _sleep(min(MAX_WAIT_S, backoff), halt)


def _not_the_events_fault(exc: BaseException) -> str | None:
    """What is down, when a failure is a dependency's or the database's and not the event's."""
    if isinstance(exc, DependencyUnavailable):
        return str(exc)
    transient = transient_database_error(exc)
    return f"database ({transient})" if transient else None


def _count(outcome: Counter, topic: str, seconds: float | None) -> None:
    """Count an event's committed handling or failed attempt, and time its handler if it ran."""
    outcome.labels(topic).inc()
    if seconds is not None:
        metrics.HANDLER_SECONDS.labels(topic).observe(seconds)


async def _sleep(seconds: float, halt: asyncio.Event) -> None:
    """Sleep, unless halted first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(halt.wait(), seconds)


def _where(record: ConsumerRecord) -> str:
    return f"{record.topic}/{record.partition}/{record.offset}"
