"""Carrying out a partition's records: together in one transaction where the subscription
allows it, else (and a failing one always) alone, retried, waited for or parked."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any

from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
from prometheus_client import Counter

from vroeg.shared import metrics
from vroeg.shared.cloudevents import UndecodableMessage, decode, header_map
from vroeg.shared.db import POOL_SIZE, transient_database_error
from vroeg.shared.events import Event
from vroeg.shared.messaging.failpoints import CONSUMER_AFTER_COMMIT, Failpoints
from vroeg.shared.messaging.unit_of_work import Database, UnitOfWork
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.telemetry import error_text

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Any], Awaitable[None]]
Preparer = Callable[[UnitOfWork, Sequence[Any]], Awaitable[None]]
LookUp = Callable[[Sequence[Any]], Awaitable[Mapping[str, Any]]]
Wants = Callable[[Any], bool]

# Longest pause between tries while a dependency is down: bounds the delay once it is back.
MAX_WAIT_S = 5.0
# Most records of a partition handled in one transaction: fewer commits, and a failure among
# them redoes at most this many.
BATCH_MAX = 200
# Most transactions a consumer has open at once: within the connections the pool keeps, with
# some left for the outbox relay, HTTP requests and jobs. Beyond it a partition's events wait
# their turn here, instead of each opening a connection that the pool closes again when handed
# back (a server process started and every statement prepared anew: in 10,000 signals of a
# national month the matcher had 33 server processes without it, 8 with it).
TRANSACTIONS = POOL_SIZE - 3
# `together`'s answer when the batch failed but no one record can be blamed.
UNKNOWN = -1
# `together`'s answer when it was stopped (`halt`) while waiting for a transaction.
HALTED = -2
# Looked up once, not per record (a proxy until telemetry sets the provider).
_tracer = trace.get_tracer(__name__)


class _Unasked:
    """No answer looked up yet."""


_UNASKED = _Unasked()


class DependencyUnavailable(RuntimeError):
    """A system the handler needs is down; the event is not at fault and waits for it."""


class RecordHandling:
    """Hands records to their topic's handler, each event claimed in the inbox in the same
    transaction, and notes per partition what its events wait for."""

    def __init__(
        self,
        *,
        group: str,
        settings: ServiceSettings,
        database: Database,
        handlers: Mapping[str, Handler],
        preparers: Mapping[str, Preparer],
        look_ups: Mapping[str, LookUp],
        wanted: Mapping[str, Wants],
        failpoints: Failpoints,
    ) -> None:
        self._group = group
        self._settings = settings
        self._db = database
        self._handlers = handlers
        self._preparers = preparers
        self._look_ups = look_ups
        self._wanted = wanted
        # Per partition, what `look_up` answered for its events not yet committed: a batch
        # that fails and goes again (in part) reuses the answers instead of asking again.
        self._answers: dict[TopicPartition, dict[str, Any]] = {}
        self._failpoints = failpoints
        self._transactions = asyncio.Semaphore(TRANSACTIONS)
        self.waiting: dict[TopicPartition, str] = {}

    @contextlib.asynccontextmanager
    async def _transaction(self, halt: asyncio.Event) -> AsyncIterator[UnitOfWork | None]:
        """A unit of work once one of the consumer's transaction slots is free (TRANSACTIONS);
        None if the worker was stopped (`halt`) while it waited."""
        async with self._transactions:
            if halt.is_set():
                yield None
                return
            async with self._db.unit_of_work() as uow:
                yield uow

    async def together(
        self, records: list[ConsumerRecord], tp: TopicPartition, halt: asyncio.Event
    ) -> int | None:
        """Handle consecutive records of a partition in one transaction: inbox rows, state
        changes and outbox rows commit together. None if they did; else nothing changed and
        the index of the record that failed, or UNKNOWN when it failed as the transaction
        wrote or committed what they all did (handlers need not flush after each event); or
        HALTED when stopped (`halt`) while waiting for a transaction, before it began."""
        events: list[Event] = []
        for index, record in enumerate(records):
            try:
                events.append(decode(record.headers, record.value))
            except UndecodableMessage:
                return index
        # Those the handler has nothing to do with are passed over, and with them the
        # transaction if it would have none; a failure's index is still the given records'.
        wants = self._wanted.get(records[0].topic)
        at = [i for i, e in enumerate(events) if _is_wanted(wants, e)]
        if not at:
            return None
        records, events = [records[i] for i in at], [events[i] for i in at]
        looked_up = await self._look_up(records, events, tp)
        current = UNKNOWN
        handled: list[float] = []  # each handler call's seconds, counted once all commit
        try:
            async with self._transaction(halt) as uow:
                if uow is None:
                    return HALTED  # stopped while waiting: the records are read again
                uow.looked_up = looked_up
                fresh = await uow.claim_many([str(e.id) for e in events])
                prepare = self._preparers.get(records[0].topic)
                new = [e for e in events if str(e.id) in fresh]
                if prepare is not None and new:  # a batch of redeliveries has nothing to load
                    await prepare(uow, new)
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
                current = UNKNOWN  # from here on, the commit failed: no record is to blame
        except Exception as exc:
            log.info(
                "%d events of %s failed together at the %s (%s)",
                len(records),
                tp,
                "commit" if current == UNKNOWN else f"{current + 1}-th",
                type(exc).__name__,
            )
            # Nothing of them happened: the records go again, and only those runs are counted.
            return current if current == UNKNOWN else at[current]
        self.waiting.pop(tp, None)
        for event in events:
            self._answers.get(tp, {}).pop(str(event.id), None)
        for seconds in handled:
            _count(metrics.EVENTS_HANDLED, tp.topic, seconds)
        self._failpoints.hit(CONSUMER_AFTER_COMMIT)
        return None

    async def _look_up(
        self, records: list[ConsumerRecord], events: list[Event], tp: TopicPartition
    ) -> dict[str, Any]:
        """What the subscription's `look_up` answers for the batch's events (by event id),
        asked before its transaction opens; answers kept from an earlier try of the same
        events are reused, failed ones asked again. Nothing if it has none or it failed (the
        handlers then ask for themselves, and meet the failure where it is handled). One span
        for the batch, in its first recorded (else first traced) record's trace and linked to
        the others' (OpenTelemetry's batch operations): no root trace of its own, as no
        background work makes one."""
        look_up = self._look_ups.get(records[0].topic)
        if look_up is None:
            return {}
        known = self._answers.setdefault(tp, {})
        ask = [
            (record, event)
            for record, event in zip(records, events, strict=True)
            if isinstance(known.get(str(event.id), _UNASKED), Exception | _Unasked)
        ]
        if ask:
            traced = [
                (context, span_context)
                for context in (propagate.extract(header_map(r.headers)) for r, _ in ask)
                if (span_context := trace.get_current_span(context).get_span_context()).is_valid
            ]
            # In a recorded trace when the batch has one (a share of the traces recorded).
            traced.sort(key=lambda pair: not pair[1].trace_flags.sampled)
            with _tracer.start_as_current_span(
                f"look up {records[0].topic}",
                context=traced[0][0] if traced else None,
                kind=SpanKind.INTERNAL,
                links=[Link(span_context) for _, span_context in traced[1:]],
                attributes={"messaging.batch.message_count": len(ask)},
            ) as span:
                try:
                    known.update(await look_up([event for _, event in ask]))
                except Exception as exc:
                    span.set_status(Status(StatusCode.ERROR, error_text(exc)))
                    log.info(
                        "looking up %d events of %s failed (%s)",
                        len(ask),
                        records[0].topic,
                        type(exc).__name__,
                    )
        return {str(e.id): known[str(e.id)] for e in events if str(e.id) in known}

    def forget(self, tp: TopicPartition) -> None:
        """Drop what was looked up for a partition's events (its worker is done)."""
        self._answers.pop(tp, None)

    @contextlib.contextmanager
    def _span(self, record: ConsumerRecord) -> Iterator[Span]:
        """The consumer span of one record, continuing its producer's trace."""
        # start_span and use_span: what start_as_current_span does, without the proxy tracer's
        # second context manager around it (a third of a span's cost, per record).
        span = _tracer.start_span(
            f"process {record.topic}",
            context=propagate.extract(header_map(record.headers)),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.name": "process",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.consumer.group.name": self._group,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
            },
        )
        with trace.use_span(span, end_on_exit=True):
            yield span

    async def alone(self, record: ConsumerRecord, tp: TopicPartition, halt: asyncio.Event) -> bool:
        """Handle or dead-letter one record; False if halted first (it is read again)."""
        try:
            event: Event | None = decode(record.headers, record.value)
            error: BaseException | None = None
        except UndecodableMessage as exc:
            event, error = None, exc
        if event is not None and not _is_wanted(self._wanted.get(record.topic), event):
            return True  # passed over, as in `together`
        with self._span(record) as span:
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
                        async with self._transaction(halt) as uow:
                            if uow is None:
                                return False
                            if await uow.claim(event_id):
                                started = time.perf_counter()
                                try:
                                    await handler(uow, event)
                                finally:
                                    seconds = time.perf_counter() - started
                            else:
                                span.set_attribute("vroeg.duplicate", True)
                        self.waiting.pop(tp, None)
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
                            await pause(
                                self._settings.consumer_retry_backoff_s * 2 ** (attempts - 1),
                                halt,
                            )
            assert error is not None
            span.set_status(Status(StatusCode.ERROR, str(error)))
            # The id is not claimed: a parked event stays replayable (`vroeg dead-letters`).
            while not halt.is_set():
                try:
                    async with self._transaction(halt) as uow:
                        if uow is None:
                            return False
                        await uow.dead_letter(record, error, attempts)
                except Exception as exc:
                    # Not even the dead letter could be written: try again until it can.
                    waits += 1
                    await self._wait(tp, _not_the_events_fault(exc) or error_text(exc), waits, halt)
                    continue
                self.waiting.pop(tp, None)
                log.error("parked %s on the dead-letter topic: %r", event_id, error)
                return True
            return False

    async def _wait(self, tp: TopicPartition, reason: str, waits: int, halt: asyncio.Event) -> None:
        self.waiting[tp] = reason
        log.warning("waiting for a dependency: %s", reason)
        backoff = self._settings.consumer_retry_backoff_s * 2 ** min(waits, 10)
        await pause(min(MAX_WAIT_S, backoff), halt)


def _is_wanted(wants: Wants | None, event: Event) -> bool:
    """Whether the handler is to see the event: also when `wants` fails on it (an event of
    another type on the topic), so that the handler's failure retries or parks it."""
    if wants is None:
        return True
    try:
        return wants(event)
    except Exception:
        return True


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


async def pause(seconds: float, halt: asyncio.Event) -> None:
    """Sleep, unless halted first."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(halt.wait(), seconds)


def _where(record: ConsumerRecord) -> str:
    return f"{record.topic}/{record.partition}/{record.offset}"
