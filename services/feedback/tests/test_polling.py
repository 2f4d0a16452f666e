"""Polling (issue 11): a creditor reads its own feedback, and only its own, by a cursor that is
stable while feedback is being recorded — however many transactions write at once and in
whatever order they commit, following the cursor page by page returns every row exactly once."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from tests.support.db import asyncpg_url
from tests.support.feedback import KeyOf, issue_keys, poll_all, poll_until
from tests.support.fixtures import Isolation, PlatformFactory
from vroeg.deploy.processes import Platform
from vroeg.feedback.models import Feedback
from vroeg.feedback.repository import add_feedback
from vroeg.feedback.rules import feedback_for_forwarding, feedback_for_repeat
from vroeg.shared.db import application_name
from vroeg.shared.events import KeyHolderKind

WRITERS = 24
ROWS_PER_WRITER = 3


@pytest.fixture
async def feedback_db(isolation: Isolation) -> AsyncIterator[AsyncEngine]:
    """feedback's own schema, written to as its handlers do (through `add_feedback`, in
    sessions named as feedback's own)."""
    engine = create_async_engine(
        isolation.database_url,
        pool_size=WRITERS,
        connect_args={
            "server_settings": {
                "search_path": "feedback",
                "application_name": application_name("feedback"),
            }
        },
    )
    yield engine
    await engine.dispose()


@asynccontextmanager
async def open_transaction(url: str, name: str) -> AsyncIterator[None]:
    """A transaction holding a transaction id, open for the block (a report, a benchmark)."""
    connection = await asyncpg.connect(asyncpg_url(url), server_settings={"application_name": name})
    try:
        async with connection.transaction():
            await connection.fetchval("SELECT txid_current()")
            yield
    finally:
        await connection.close()


def started(make_platform: PlatformFactory) -> Platform:
    platform = make_platform()
    platform.start(["feedback"])
    return platform


def row(vlp_id: str, *, forwarded_by: str | None = None) -> Feedback:
    return Feedback.of(
        feedback_for_repeat(),
        signal_id=uuid4(),
        vlp_id=vlp_id,
        vlp_reference=f"ref-{uuid4().hex[:8]}",
        municipality="0363",
        forwarded_by=forwarded_by,
        now=datetime.now(UTC),
    )


async def write_slowly(engine: AsyncEngine, rows: list[Feedback], rng: random.Random) -> None:
    """One transaction: its rows first (its transaction id is taken then), commit later."""
    async with AsyncSession(engine) as session, session.begin():
        for feedback in rows:
            assert await add_feedback(session, feedback)
            await asyncio.sleep(rng.uniform(0, 0.05))
        await asyncio.sleep(rng.uniform(0, 0.6))


async def test_pages_followed_while_many_transactions_write_return_every_row_once(
    isolation: Isolation, make_platform: PlatformFactory, feedback_db: AsyncEngine
) -> None:
    platform = started(make_platform)
    [woonstad] = await issue_keys(isolation, "woonstad")
    rng = random.Random(11)
    batches = [[row("woonstad") for _ in range(ROWS_PER_WRITER)] for _ in range(WRITERS)]
    expected = {str(f.id) for batch in batches for f in batch}

    async def writers() -> None:
        async def staggered(batch: list[Feedback], delay: float) -> None:
            await asyncio.sleep(delay)
            await write_slowly(feedback_db, batch, rng)

        await asyncio.gather(*(staggered(b, rng.uniform(0, 1.5)) for b in batches))

    seen: list[str] = []
    cursor: str | None = None
    async with httpx.AsyncClient(base_url=platform["feedback"].url) as http:
        writing = asyncio.create_task(writers())
        # Follow the cursor in small pages the whole time the writers are busy, and after
        # (while a transaction elsewhere on the server runs, the newest rows wait for it).
        settled_by: float | None = None
        while not writing.done() or set(seen) != expected:
            items, _, cursor = await poll_all(http, woonstad, after=cursor, limit=5)
            seen.extend(item["id"] for item in items)
            assert len(seen) <= len(expected), "a row came twice or from elsewhere"
            if writing.done():
                settled_by = settled_by or time.monotonic() + 30
                assert time.monotonic() < settled_by, f"skipped: {len(expected - set(seen))}"
                await asyncio.sleep(0.2)
        await writing
    assert len(seen) == len(set(seen)) == len(expected)
    assert set(seen) == expected


async def test_another_creditors_key_sees_nothing_of_it(
    isolation: Isolation, make_platform: PlatformFactory, feedback_db: AsyncEngine
) -> None:
    platform = started(make_platform)
    woonstad, waternet = await issue_keys(isolation, "woonstad", "waternet")
    [rotterdam] = await issue_keys(isolation, "0599", kind=KeyHolderKind.MUNICIPALITY)
    own = row("woonstad")
    # A signal Rotterdam forwarded here from woonstad: its feedback goes to Rotterdam, which
    # tells woonstad as its own; woonstad's key here never reads it (Awb 2:3).
    forwarded = row("woonstad", forwarded_by="0599")
    async with AsyncSession(feedback_db) as session, session.begin():
        for feedback in (own, forwarded):
            assert await add_feedback(session, feedback)
        # The same feedback on the same signal again: nothing new, and no failure.
        again = Feedback.of(
            feedback_for_repeat(),
            signal_id=own.signal_id,
            vlp_id="woonstad",
            vlp_reference=own.vlp_reference,
            municipality="0363",
            forwarded_by=None,
            now=datetime.now(UTC),
        )
        assert not await add_feedback(session, again)

    async with httpx.AsyncClient(base_url=platform["feedback"].url) as http:

        async def ids_of(key: KeyOf, count: int) -> list[UUID]:
            items, _ = await poll_until(http, key, count)
            return [UUID(i["id"]) for i in items]

        assert await ids_of(woonstad, 1) == [own.id]
        assert await ids_of(rotterdam, 1) == [forwarded.id]
        # Both rows are served by now: waternet would have seen one, were it its.
        assert await ids_of(waternet, 0) == []
        for key, status in ((woonstad, 200), (waternet, 404), (rotterdam, 404)):
            one = await http.get(f"/v1/terugkoppelingen/{own.id}", headers=key.headers)
            assert one.status_code == status, one.text
        refused = await http.get(f"/v1/terugkoppelingen/{own.id}", headers=waternet.headers)
        assert refused.headers["content-type"] == "application/problem+json"
        assert str(own.signal_id) not in refused.text
        mine = (await http.get(f"/v1/terugkoppelingen/{own.id}", headers=woonstad.headers)).json()
        assert mine == {
            "id": str(own.id),
            "signalId": str(own.signal_id),
            "vlpReference": own.vlp_reference,
            "feedbackType": "NIET_OPGEPAKT",
            "reason": "HERHAALD_SIGNAAL",
            "doorgestuurd": None,
            "collectionPausedUntil": None,
            "createdAt": mine["createdAt"],
        }

        # Without a key, or with a cursor that is not one: a problem, never a 500.
        anonymous = await http.get("/v1/terugkoppelingen")
        assert anonymous.status_code == 401
        for bad in ("x", "1.2.3", "-1.0", "9" * 30 + ".1", "9" * 20 + ".1", "1." + "9" * 19):
            response = await http.get(
                "/v1/terugkoppelingen", params={"after": bad}, headers=woonstad.headers
            )
            assert response.status_code == 400, (bad, response.text)
            assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["API-Version"]


async def test_a_cursor_at_the_end_stays_there_and_then_gives_what_came_after(
    isolation: Isolation, make_platform: PlatformFactory, feedback_db: AsyncEngine
) -> None:
    platform = started(make_platform)
    [woonstad] = await issue_keys(isolation, "woonstad")
    first = row("woonstad")
    async with AsyncSession(feedback_db) as session, session.begin():
        await add_feedback(session, first)
    async with httpx.AsyncClient(base_url=platform["feedback"].url) as http:
        items, cursor = await poll_until(http, woonstad, 1)
        assert [i["id"] for i in items] == [str(first.id)]
        assert (await poll_all(http, woonstad, after=cursor))[2] == cursor
        later = Feedback.of(
            feedback_for_forwarding(True),
            signal_id=uuid4(),
            vlp_id="woonstad",
            vlp_reference="ref-later",
            municipality="0363",
            forwarded_by=None,
            now=datetime.now(UTC),
        )
        async with AsyncSession(feedback_db) as session, session.begin():
            await add_feedback(session, later)
        items, _ = await poll_until(http, woonstad, 1, after=cursor)
        assert [(i["id"], i["feedbackType"], i["doorgestuurd"]) for i in items] == [
            (str(later.id), "NIET_WOONACHTIG", True)
        ]


async def test_a_long_transaction_elsewhere_on_the_server_holds_nothing_back(
    isolation: Isolation, make_platform: PlatformFactory, feedback_db: AsyncEngine
) -> None:
    platform = started(make_platform)
    [woonstad] = await issue_keys(isolation, "woonstad")
    elsewhere = make_url(isolation.database_url).set(database="postgres")
    # Older than the feedback below and open until the end: another service's transaction in
    # this database, and one in another database (named as feedback, which it is not here).
    async with (
        open_transaction(isolation.database_url, application_name("reporting")),
        open_transaction(
            elsewhere.render_as_string(hide_password=False), application_name("feedback")
        ),
    ):
        written = row("woonstad")
        async with AsyncSession(feedback_db) as session, session.begin():
            await add_feedback(session, written)
        async with httpx.AsyncClient(base_url=platform["feedback"].url) as http:
            items, _ = await poll_until(http, woonstad, 1)
    assert [i["id"] for i in items] == [str(written.id)]


async def test_an_open_feedback_transaction_holds_back_what_commits_after_it(
    isolation: Isolation, make_platform: PlatformFactory, feedback_db: AsyncEngine
) -> None:
    platform = started(make_platform)
    [woonstad] = await issue_keys(isolation, "woonstad")
    before, slow, after = row("woonstad"), row("woonstad"), row("woonstad")
    async with AsyncSession(feedback_db) as session, session.begin():
        await add_feedback(session, before)
    async with httpx.AsyncClient(base_url=platform["feedback"].url) as http:
        items, cursor = await poll_until(http, woonstad, 1)
        assert [i["id"] for i in items] == [str(before.id)]
        async with AsyncSession(feedback_db) as open_session, open_session.begin():
            # Its transaction id is taken now; it commits only after `after` has.
            await add_feedback(open_session, slow)
            async with AsyncSession(feedback_db) as session, session.begin():
                await add_feedback(session, after)
            # `after` is committed, but sorts after `slow`, which may still commit: handing it
            # out now would put the cursor past `slow` for good.
            assert (await poll_all(http, woonstad, after=cursor))[0] == []
        items, _ = await poll_until(http, woonstad, 2, after=cursor)
    assert [i["id"] for i in items] == [str(slow.id), str(after.id)]
