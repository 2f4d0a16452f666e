"""Retention (R-MAT-5) on a real PostgreSQL: what falls due is erased once, facts stay."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.support.fixtures import Isolation
from vroeg.shared.db import create_sessionmaker
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.retention import Erasure, erase_due, retention_job
from vroeg.shared.settings import RetentionPolicy, ServiceSettings
from vroeg.shared.supervision import run_exclusively

metadata = sa.MetaData(schema="retention_test")
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("municipality", sa.String(4), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("name", sa.String),
    sa.Column("birth_date", sa.Date),
)
ERASURES = [
    Erasure(
        "test.person",
        people,
        erase={"name": None, "birth_date": None},
        clock=people.c.received_at,
        municipality=people.c.municipality,
    )
]
NOW = datetime.now(UTC)


@pytest.fixture
async def engine(isolation: Isolation) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(isolation.database_url)
    async with engine.begin() as conn:
        await conn.execute(sa.schema.CreateSchema("retention_test"))
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


async def add(engine: AsyncEngine, municipality: str, age: timedelta, n: int = 1) -> None:
    async with engine.begin() as conn:
        start = await conn.scalar(sa.select(sa.func.coalesce(sa.func.max(people.c.id), 0)))
        await conn.execute(
            people.insert(),
            [
                {
                    "id": start + i + 1,
                    "municipality": municipality,
                    "received_at": NOW - age,
                    "kind": "HUUR",
                    "name": f"Jansen {start + i + 1}",
                    "birth_date": datetime(1980, 1, 1).date(),
                }
                for i in range(n)
            ],
        )


async def rows(engine: AsyncEngine) -> list[sa.Row[tuple[object, ...]]]:
    async with engine.connect() as conn:
        return list(await conn.execute(people.select().order_by(people.c.id)))


def database(engine: AsyncEngine) -> Database:
    return Database(create_sessionmaker(engine), service="t", settings=ServiceSettings())


def erased_metric() -> float:
    """`vroeg_retention_erased_total` of the test's data class, as a scrape would show it."""
    value = REGISTRY.get_sample_value("vroeg_retention_erased_total", {"data_class": "test.person"})
    return value or 0.0


def erased(row: sa.Row[tuple[object, ...]]) -> bool:
    return row.name is None and row.birth_date is None


async def test_due_rows_lose_their_personal_data_keep_their_facts_and_a_second_run_erases_nothing(
    engine: AsyncEngine,
) -> None:
    await add(engine, "0363", timedelta(days=200))  # past 6 months
    await add(engine, "0363", timedelta(days=170))  # not yet
    await add(engine, "0363", timedelta(days=1))
    sessions = create_sessionmaker(engine)

    assert await erase_due(sessions, ERASURES, RetentionPolicy(), now=NOW) == {"test.person": 1}
    due, young, new = await rows(engine)
    assert erased(due)
    assert (due.id, due.municipality, due.kind) == (1, "0363", "HUUR")
    assert due.received_at == NOW - timedelta(days=200)
    assert not erased(young)
    assert not erased(new)
    assert young.name == "Jansen 2"

    assert await erase_due(sessions, ERASURES, RetentionPolicy(), now=NOW) == {"test.person": 0}


async def test_each_municipality_keeps_personal_data_as_long_as_its_policy_says(
    engine: AsyncEngine,
) -> None:
    policy = RetentionPolicy(6, {"0518": 12, "0034": 3})
    for municipality in ("0363", "0518", "0034"):
        for months in (4, 7, 13):
            await add(engine, municipality, timedelta(days=31 * months))
    await erase_due(create_sessionmaker(engine), ERASURES, policy, now=NOW)

    by_age = {
        (r.municipality, round((NOW - r.received_at).days / 31)): r for r in await rows(engine)
    }
    assert {key for key, row in by_age.items() if erased(row)} == {
        ("0363", 7),
        ("0363", 13),
        ("0518", 13),
        ("0034", 4),
        ("0034", 7),
        ("0034", 13),
    }


async def test_two_replicas_running_at_once_erase_every_due_row_once_without_conflict(
    engine: AsyncEngine, isolation: Isolation
) -> None:
    await add(engine, "0363", timedelta(days=400), n=2500)
    await add(engine, "0363", timedelta(days=10), n=10)
    other = create_async_engine(isolation.database_url)
    job = retention_job(ERASURES, RetentionPolicy(), interval_s=3600)
    try:
        # Each replica runs the job as the service does: under the job's advisory lock.
        ran = await asyncio.gather(
            *(
                run_exclusively("vroeg.job.t.retention", e, lambda e=e: job.run(database(e)))
                for e in (engine, other)
            )
        )
        # And without the lock, two runs skip each other's rows instead of waiting on them.
        await add(engine, "0363", timedelta(days=400), n=2500)
        unlocked = await asyncio.gather(
            erase_due(create_sessionmaker(engine), ERASURES, RetentionPolicy(), now=NOW, chunk=100),
            erase_due(create_sessionmaker(other), ERASURES, RetentionPolicy(), now=NOW, chunk=100),
        )
    finally:
        await other.dispose()
    assert True in ran
    assert sum(run["test.person"] for run in unlocked) == 2500
    stored = await rows(engine)
    assert sum(erased(r) for r in stored) == 5000
    assert sum(not erased(r) for r in stored) == 10


async def test_a_run_reports_its_counts_per_data_class_and_nothing_personal(
    engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await add(engine, "0363", timedelta(days=400), n=3)
    before = erased_metric()
    started = time.time()
    with caplog.at_level(logging.INFO, logger="vroeg.shared.retention"):
        await retention_job(ERASURES, RetentionPolicy(), interval_s=3600).run(database(engine))
    (line,) = [r for r in caplog.records if r.getMessage() == "retention: erased personal data"]
    assert line.erased == {"test.person": 3}  # type: ignore[attr-defined]
    assert line.erased_total == 3  # type: ignore[attr-defined]
    assert "Jansen" not in str(line.__dict__)
    assert erased_metric() - before == 3
    # When it last ran, for the alert on retention overdue (deploy/prometheus/alerts.yml).
    last_run = REGISTRY.get_sample_value("vroeg_retention_last_run_timestamp_seconds")
    assert last_run is not None
    assert started <= last_run <= time.time()


def test_a_policy_longer_than_twelve_months_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VROEG_RETENTION_MONTHS_BY_MUNICIPALITY", '{"0363": 6, "0518": 13}')
    with pytest.raises(ValidationError, match="retention of 0518 is 13 months; R-MAT-5 allows"):
        ServiceSettings()
    monkeypatch.delenv("VROEG_RETENTION_MONTHS_BY_MUNICIPALITY")
    monkeypatch.setenv("VROEG_RETENTION_MONTHS", "24")
    with pytest.raises(ValidationError, match="retention of default is 24 months"):
        ServiceSettings()


def test_a_policy_for_something_not_a_municipality_code_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VROEG_RETENTION_MONTHS_BY_MUNICIPALITY", '{"363": 12}')
    with pytest.raises(ValidationError, match="'363': not a 4-digit CBS code"):
        ServiceSettings()


def test_the_inbox_remembers_ids_longer_than_a_personal_topic_keeps_records(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = ServiceSettings()
    assert defaults.inbox_retention_days > defaults.personal_topic_retention_days
    assert defaults.personal_topic_retention_ms == defaults.personal_topic_retention_days * 86400000
    monkeypatch.setenv("VROEG_PERSONAL_TOPIC_RETENTION_DAYS", "14")
    with pytest.raises(ValidationError, match="VROEG_INBOX_RETENTION_DAYS must exceed"):
        ServiceSettings()


def test_a_personal_topic_may_not_outlive_the_shortest_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VROEG_RETENTION_MONTHS_BY_MUNICIPALITY", '{"0034": 1}')
    monkeypatch.setenv("VROEG_INBOX_RETENTION_DAYS", "60")
    monkeypatch.setenv("VROEG_PERSONAL_TOPIC_RETENTION_DAYS", "29")
    with pytest.raises(ValidationError, match="must not exceed the shortest retention policy"):
        ServiceSettings()
