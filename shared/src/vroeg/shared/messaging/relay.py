"""The outbox relay: sends committed outbox rows to Kafka, then deletes them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer

from vroeg.shared.messaging.failpoints import OUTBOX_BEFORE_SEND, OUTBOX_RELAY_CRASH, Failpoints
from vroeg.shared.messaging.tables import outbox
from vroeg.shared.messaging.unit_of_work import Database, decode_headers

log = logging.getLogger(__name__)

BATCH_SIZE = 500


class OutboxRelay:
    """Moves outbox rows to the broker in order, at least once.

    A row is deleted in the same transaction that read it, after the broker acknowledged it;
    a crash in between sends it again, which the consumers' inbox absorbs. An advisory lock
    lets one replica relay at a time, so a key's events keep their order.
    """

    def __init__(
        self,
        database: Database,
        producer: AIOKafkaProducer,
        *,
        schema: str,
        poll_interval_s: float,
        linger_s: float,
        failpoints: Failpoints,
    ) -> None:
        self._db = database
        self._producer = producer
        self._lock_name = f"vroeg.outbox.{schema}"
        self._poll_interval_s = poll_interval_s
        self._linger_s = linger_s
        self._failpoints = failpoints

    async def run(self) -> None:
        """Relay until cancelled; wakes on local commits and polls for everything else."""
        while True:
            self._db.outbox_written.clear()
            try:
                sent = await self.relay_batch()
            except Exception:
                log.exception("outbox relay failed; retrying")
                sent = 0
                await asyncio.sleep(self._poll_interval_s)
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
            locked = await session.scalar(
                sa.select(sa.func.pg_try_advisory_xact_lock(sa.func.hashtext(self._lock_name)))
            )
            if not locked:
                return 0
            rows = (
                await session.execute(
                    sa.select(outbox).order_by(outbox.c.seq).limit(BATCH_SIZE).with_for_update()
                )
            ).all()
            if not rows:
                return 0
            self._failpoints.hit(OUTBOX_BEFORE_SEND)
            pending = [
                await self._producer.send(
                    row.topic, value=row.value, key=row.key, headers=decode_headers(row.headers)
                )
                for row in rows
            ]
            await asyncio.gather(*pending)
            await session.execute(sa.delete(outbox).where(outbox.c.seq.in_([r.seq for r in rows])))
        return len(rows)

    async def pending(self) -> int:
        """How many rows wait to be sent (for readiness and tests)."""
        async with self._db.sessionmaker() as session:
            return int(await session.scalar(sa.select(sa.func.count()).select_from(outbox)) or 0)
