"""The outbox relay: takes committed outbox rows, sends them to Kafka, and commits their
deletion once the broker acknowledged them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from vroeg.shared import metrics
from vroeg.shared.messaging.failpoints import (
    OUTBOX_BEFORE_SEND,
    OUTBOX_RELAY_CRASH,
    OUTBOX_SEND_HANGS,
    Failpoints,
)
from vroeg.shared.messaging.tables import outbox
from vroeg.shared.messaging.unit_of_work import Database, decode_headers
from vroeg.shared.sql import any_of

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# Longest pause between tries while the broker or the database is away.
MAX_RETRY_S = 5.0
# The header a dead letter carries with the topic its event came from (see UnitOfWork).
_PARKED_FROM = "vroeg_dlq_topic"

_LOCK_TABLE = sa.text("LOCK TABLE outbox IN ROW EXCLUSIVE MODE")

# topic, key, value, headers
Record = tuple[str, bytes, bytes, list[tuple[str, bytes]]]


@dataclass(frozen=True)
class RelayLimits:
    """How long the relay may wait, so that it can never hang."""

    # All sends of one batch, until the broker acknowledged them.
    send_timeout_s: float
    # Each SQL statement of the relay's transaction (server side).
    statement_timeout_s: float

    @property
    def idle_in_transaction_s(self) -> float:
        """The server ends the relay's transaction if it idles longer: the sends plus a margin."""
        return self.send_timeout_s + 5


@dataclass(frozen=True)
class Backlog:
    """The rows waiting in the outbox."""

    depth: int
    oldest_age_s: float


class OutboxRelay:
    """Moves outbox rows to the broker in order, at least once.

    A row is read and deleted in one transaction, which commits once the broker acknowledged it;
    a crash in between sends it again, which the consumers' inbox absorbs. An advisory lock
    lets one replica relay at a time, so a key's events keep their order. Sends that fail or
    outlast their time limit roll the transaction back and replace the producer: an
    idempotent producer whose batch expired keeps a sequence the broker refuses forever.
    """

    def __init__(
        self,
        database: Database,
        new_producer: Callable[[], AIOKafkaProducer],
        *,
        schema: str,
        poll_interval_s: float,
        linger_s: float,
        limits: RelayLimits,
        failpoints: Failpoints,
    ) -> None:
        self._db = database
        self._new_producer = new_producer
        self._producer: AIOKafkaProducer | None = None
        # Producers given up on inside a transaction, stopped outside it (stopping can wait).
        self._retired: list[AIOKafkaProducer] = []
        self._lock_name = f"vroeg.outbox.{schema}"
        self._poll_interval_s = poll_interval_s
        self._linger_s = linger_s
        self._limits = limits
        self._failpoints = failpoints

    async def producer(self) -> AIOKafkaProducer:
        """The started producer (a new one after the last was dropped)."""
        await self._stop_retired()
        if self._producer is None:
            producer = self._new_producer()
            await producer.start()
            self._producer = producer
        return self._producer

    @property
    def started_producer(self) -> AIOKafkaProducer | None:
        """The producer in use, None while the relay has none (it makes a new one each turn)."""
        return self._producer

    async def close(self) -> None:
        """Stop the producer."""
        await self._stop_retired()
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()

    async def _stop_retired(self) -> None:
        while self._retired:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._retired.pop().stop(), self._limits.send_timeout_s)

    async def run(self) -> None:
        """Relay until cancelled; wakes on local commits and polls for everything else."""
        failures = 0
        while True:
            self._db.outbox_written.clear()
            try:
                await self.producer()  # also after a dropped one, so readiness sees the broker
                sent = await self.relay_batch()
                failures = 0
            except Exception:
                # The traceback once per outage; then a line per try, tried less and less often.
                if failures == 0:
                    log.exception("outbox relay failed; retrying")
                else:
                    log.warning("outbox relay failed again (%d tries); retrying", failures + 1)
                failures += 1
                sent = 0
                await asyncio.sleep(min(MAX_RETRY_S, self._poll_interval_s * 2 ** min(failures, 6)))
            if sent:
                self._failpoints.crash(OUTBOX_RELAY_CRASH)
            if sent < BATCH_SIZE:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._db.outbox_written.wait(), self._poll_interval_s)
                # Under load many transactions commit within a few milliseconds: lingering
                # lets one relay transaction take all their rows instead of one each.
                await asyncio.sleep(self._linger_s)

    async def relay_batch(self) -> int:
        """Send one batch of rows, oldest first; returns how many were sent."""
        async with self._db.sessionmaker() as session, session.begin():
            # The transaction's time limits (set_config's `true`: as SET LOCAL) and the lock in
            # one round trip, evaluated in this order.
            limits = self._limits
            *_, locked = (
                await session.execute(
                    sa.select(
                        sa.func.set_config(
                            "statement_timeout", str(int(limits.statement_timeout_s * 1000)), True
                        ),
                        sa.func.set_config(
                            "idle_in_transaction_session_timeout",
                            str(int(limits.idle_in_transaction_s * 1000)),
                            True,
                        ),
                        sa.func.pg_try_advisory_xact_lock(sa.func.hashtext(self._lock_name)),
                    )
                )
            ).one()
            if not locked:
                return 0
            # Lock, read, send, then delete and commit: the deletion commits only once the
            # broker acknowledged every row; a failed send rolls back and the rows stay. The
            # advisory lock keeps other replicas out meanwhile; the table lock (as an insert's,
            # so the services' inserts go on) waits for an operator's lock on the table, within
            # the statement timeout, before the rows are read. Taken again after the read (it
            # is held already: nothing waits, and LOCK needs no snapshot), it ends the read's
            # snapshot, which SQLAlchemy's asyncpg adapter otherwise keeps in the unnamed
            # portal until the next statement. So while the broker takes its time this
            # transaction has neither a snapshot nor, until the deletion, a transaction id:
            # locking the rows would have given it one, holding back what every transaction
            # of the database may treat as gone — the rows deleted meanwhile could not be
            # marked so in the outbox's index, and each relay walked all of them again
            # (intake's, under a burst, up to 2.8 s a statement: 30 s of PostgreSQL's time in
            # a 10,000-signal run, while the matcher's relay waited 1.2 s on the broker).
            await session.execute(_LOCK_TABLE)
            rows = (
                await session.execute(sa.select(*outbox.c).order_by(outbox.c.seq).limit(BATCH_SIZE))
            ).all()
            if not rows:
                return 0
            await session.execute(_LOCK_TABLE)
            self._failpoints.hit(OUTBOX_BEFORE_SEND)
            messages = [
                (row.topic, row.key, row.value, decode_headers(row.headers)) for row in rows
            ]
            await self._send(messages)
            # The rows sent, by their numbers: one statement for any number of them.
            await session.execute(
                sa.delete(outbox).where(any_of(outbox.c.seq, [row.seq for row in rows]))
            )
        metrics.OUTBOX_SENT.inc(len(rows))
        for _, _, _, headers in messages:
            parked_from = dict(headers).get(_PARKED_FROM)
            if parked_from is not None:
                metrics.EVENTS_PARKED.labels(parked_from.decode()).inc()
        return len(rows)

    async def _send(
        self, messages: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]
    ) -> None:
        """Send in order and wait for every acknowledgement, within the time limit."""
        producer = await self.producer()

        async def send_all() -> None:
            await self._failpoints.hang(OUTBOX_SEND_HANGS)
            pending = [
                await producer.send(topic, value=value, key=key, headers=headers)
                for topic, key, value, headers in messages
            ]
            await asyncio.gather(*pending)

        try:
            await asyncio.wait_for(send_all(), self._limits.send_timeout_s)
        except BaseException as exc:
            # Whatever was in flight may be half sent with a sequence the broker now refuses;
            # a new producer (new producer id) starts clean. The rows stay and go again.
            self._producer = None
            self._retired.append(producer)
            metrics.PRODUCER_RESTARTS.inc()
            log.warning("outbox send failed (%s); replacing the producer", type(exc).__name__)
            raise

    async def backlog(self) -> Backlog:
        """How many rows wait to be sent, and how long the oldest has waited."""
        async with self._db.sessionmaker() as session:
            depth, age = (
                await session.execute(
                    sa.select(
                        sa.func.count(),
                        sa.func.coalesce(
                            sa.extract("epoch", sa.func.now() - sa.func.min(outbox.c.created_at)),
                            0,
                        ),
                    ).select_from(outbox)
                )
            ).one()
        return Backlog(int(depth), float(age))
