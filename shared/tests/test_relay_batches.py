"""The outbox relay takes the oldest rows, at most a batch, and sends them in their order; a
failed send leaves them all in the outbox. What a unit of work publishes is sent in the order
it was published."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.db import schema_engine
from tests.support.fixtures import Isolation
from tests.support.signals import routed_signal
from vroeg.shared.db import create_sessionmaker
from vroeg.shared.messaging.failpoints import Failpoints
from vroeg.shared.messaging.relay import BATCH_SIZE, OutboxRelay, RelayLimits
from vroeg.shared.messaging.tables import metadata, outbox
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.settings import ServiceSettings

ROWS = 2 * BATCH_SIZE + 200


class Producer:
    """What the relay sends, in order; or a send the broker refuses."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.sent: list[bytes] = []
        self.ids: list[bytes] = []
        self._refuse = refuse

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(self, topic: str, **record: Any) -> asyncio.Future[None]:
        if self._refuse:
            raise ConnectionError("the broker refused")
        self.sent.append(record["value"])
        self.ids.append(dict(record["headers"]).get("ce_id", b""))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


@pytest.fixture
async def engine(isolation: Isolation) -> AsyncIterator[AsyncEngine]:
    engine = await schema_engine(isolation.database_url, "relay_test", metadata)
    async with engine.begin() as conn:
        rows = [
            {"topic": "t", "key": b"k", "value": str(n).encode(), "headers": []}
            for n in range(ROWS)
        ]
        await conn.execute(outbox.insert(), rows)
        # Rows whose newer version lies after later rows on disk: the table's order is not
        # the rows' order.
        await conn.execute(outbox.update().where(outbox.c.seq % 3 == 0).values(topic="t"))
        on_disk = await conn.scalars(sa.select(outbox.c.seq).order_by(sa.text("ctid")))
        assert list(on_disk) != sorted(range(1, ROWS + 1))
    yield engine
    await engine.dispose()


def _relay(engine: AsyncEngine, producer: Producer) -> OutboxRelay:
    settings = ServiceSettings()
    database = Database(create_sessionmaker(engine), service="test", settings=settings)
    return OutboxRelay(
        database,
        lambda: producer,
        schema="relay_test",
        poll_interval_s=0.1,
        linger_s=0,
        limits=RelayLimits(send_timeout_s=5, statement_timeout_s=5),
        failpoints=Failpoints(""),
    )


async def _left(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(outbox)) or 0)


async def test_each_batch_is_the_oldest_rows_in_their_order(engine: AsyncEngine) -> None:
    producer = Producer()
    relay = _relay(engine, producer)

    sent = [await relay.relay_batch() for _ in range(4)]

    assert sent == [BATCH_SIZE, BATCH_SIZE, ROWS - 2 * BATCH_SIZE, 0]
    assert producer.sent == [str(n).encode() for n in range(ROWS)]
    assert await _left(engine) == 0


async def test_a_failed_send_leaves_every_row(engine: AsyncEngine) -> None:
    relay = _relay(engine, Producer(refuse=True))

    with pytest.raises(ConnectionError):
        await relay.relay_batch()

    assert await _left(engine) == ROWS
    producer = Producer()
    relay = _relay(engine, producer)
    assert await relay.relay_batch() == BATCH_SIZE
    assert producer.sent == [str(n).encode() for n in range(BATCH_SIZE)]


async def test_a_unit_of_works_events_are_sent_in_the_order_it_published_them(
    isolation: Isolation,
) -> None:
    engine = await schema_engine(isolation.database_url, "publish_order_test", metadata)
    try:
        producer = Producer()
        relay = _relay(engine, producer)
        database = Database(create_sessionmaker(engine), service="test", settings=ServiceSettings())
        batches = [[routed_signal() for _ in range(n)] for n in (250, 1, 37)]
        for batch in batches:
            async with database.unit_of_work() as uow:
                for event in batch[:2]:
                    await uow.publish(event)
                await uow.publish_many(batch[2:])

        assert await relay.relay_batch() == 288
        assert producer.ids == [str(e.id).encode() for batch in batches for e in batch]
    finally:
        await engine.dispose()
