"""The consumer runtime: each event processed once, in one transaction, or dead-lettered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord

from vroeg.shared import metrics
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.messaging.failpoints import (
    CONSUMER_CRASH,
    CONSUMER_OFFSET_COMMIT_FAILS,
    Failpoints,
)
from vroeg.shared.messaging.handling import (
    BATCH_MAX,
    HALTED,
    UNKNOWN,
    Handler,
    LookUp,
    Preparer,
    RecordHandling,
    Wants,
    pause,
)

# Handlers raise it; they import it from here, with `Subscription`.
from vroeg.shared.messaging.handling import DependencyUnavailable as DependencyUnavailable
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.topics import Topic

log = logging.getLogger(__name__)

# How long a rebalance waits for a partition's event in progress before abandoning it (the
# new owner redoes it; the inbox makes that harmless). Below aiokafka's rebalance timeout.
RELEASE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Subscription:
    """A topic a service reads and the handler that carries out each of its events."""

    topic: Topic
    handler: Handler
    # Whether a partition's polled events may share one transaction: only for a handler that
    # touches nothing but its own database, or whose calls out a `look_up` makes before the
    # transaction opens (else it would stay open across every call of the batch).
    batch: bool = False
    # Called once with a batch's new events before their handlers, in the same transaction,
    # to load at once what the handlers will need (e.g. lock and read every household of the
    # batch in one statement); what it keeps in `uow.prepared` the handlers may use. Only an
    # optimisation: handlers work without it, as when an event is retried alone.
    prepare: Preparer | None = None
    # Called once with a batch's events before its transaction opens, outside it, to fetch
    # from other systems at once what the handlers will need (brp-check asks the BRP about a
    # batch's signals together); its answers, by event id, go in `uow.looked_up` (kept for
    # the events' next try if the batch fails). Lets a handler that calls out be `batch`ed:
    # no transaction stays open across those calls. Only an optimisation, as `prepare` is;
    # a failure in it leaves the handlers to ask themselves.
    look_up: LookUp | None = None
    # Which of the topic's events the handler has anything to do with (all without it): the
    # others are passed over before any transaction — not claimed, handled or counted, as a
    # redelivery is not — where handling them would be a transaction that changes nothing
    # (the matcher reads every signal's lean fact and keeps only the refused ones).
    wants: Wants | None = None


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
        self._handlers = {settings.topic(s.topic.name): s.handler for s in subscriptions}
        self._batched = {settings.topic(s.topic.name): s.batch for s in subscriptions}
        metrics.count_from_zero(topics=self._handlers)
        self._failpoints = failpoints
        self._handling = RecordHandling(
            group=self._group,
            settings=settings,
            database=database,
            handlers=self._handlers,
            preparers={settings.topic(s.topic.name): s.prepare for s in subscriptions if s.prepare},
            look_ups={settings.topic(s.topic.name): s.look_up for s in subscriptions if s.look_up},
            wanted={settings.topic(s.topic.name): s.wants for s in subscriptions if s.wants},
            failpoints=failpoints,
        )
        self._stopping = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._workers: dict[TopicPartition, _Worker] = {}
        self._processed: dict[TopicPartition, int] = {}

    @property
    def topics(self) -> tuple[str, ...]:
        """The physical topics this consumer reads."""
        return tuple(self._handlers)

    @property
    def waiting_on(self) -> str | None:
        """What events wait for while a dependency is down (readiness reports it), else None."""
        return next(iter(self._handling.waiting.values()), None)

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
                    failed_at = await self._handling.together(chunk, tp, halt)
                    if failed_at == HALTED:
                        break
                    if failed_at is None:
                        self._processed[tp] = chunk[-1].offset + 1
                        del pending[: len(chunk)]
                        together = most
                        continue
                    if failed_at == UNKNOWN:
                        # Not known which one failed: halve the batch until it is found (a
                        # handful of redone transactions, not one per event).
                        together = len(chunk) // 2
                        continue
                    if failed_at > 0:
                        together = failed_at  # those before the failing one, together again
                        continue
                # The failing record (or a lone one): retried or parked by itself.
                if not await self._handling.alone(pending[0], tp, halt):
                    break
                self._processed[tp] = pending.pop(0).offset + 1
                together = most
        except Exception:
            # A fault of the runtime itself: the records are read again after a pause.
            log.exception("consuming %s failed; will read it again", tp)
            await pause(self._settings.consumer_retry_backoff_s, halt)
        finally:
            self._handling.waiting.pop(tp, None)
            self._handling.forget(tp)
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
