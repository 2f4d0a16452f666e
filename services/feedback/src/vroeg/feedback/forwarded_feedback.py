"""Feedback on forwarded signals comes back to the forwarder, which tells the creditor as its
own (Awb 2:3; contracts.md: "the creditor never learns the destination") — or, when the
signal was forwarded here in turn (a chain A → B → C), to the municipality that forwarded it
here, which tells its creditor likewise.

A periodic job polls, per receiving deployment and forwarding municipality with open forwards,
that deployment's `GET /v1/terugkoppelingen` with the key the forwards went with (a
municipality key there reads exactly the feedback on the signals it forwarded), from the
cursor stored in `forward_polls`. No transaction stays open while the other deployment
answers (an open one would hold back every creditor's own feed, `repository.page`): a page is
fetched first, then recorded in a short transaction that locks the cursor row and records
only if the cursor is still the one the page was read from — a replica that read the same page
meanwhile records nothing, so each item is relayed once, and the cursor moves with what was
read. At most `MAX_PAGES` pages per feed and pass: a feed that never ends stops no one.

Each item is matched to an open forward of that very feed by the signal's id there and rebuilt
through the closed set (`rules.feedback_relayed`): the creditor's row is made by `Feedback.of`
like any other, with the forwarder's own signal id and the creditor's own reference. Anything
outside the closed set — an unknown type, reason or field — and any item on a signal this feed
has no open forward of is refused, logged and counted without its content
(`vroeg_forwarded_feedback_refused_total`), and the relay goes on with the next.
NIET_WOONACHTIG is never told. Nothing of the receiving deployment's item but the type and
its one detail reaches the creditor.

A forward stops being asked about once its feedback is final (`rules.FINAL`), or once the
retention period erased its link to the signal there (`models.RETENTION`, R-MAT-5): a feed
with no open forward is not polled at all.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from collections.abc import Sequence
from datetime import date

import httpx
import sqlalchemy as sa
from opentelemetry.instrumentation.utils import suppress_http_instrumentation
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.feedback import forwarding, repository, rules
from vroeg.feedback import forwarding_repository as forwards
from vroeg.feedback.models import Feedback, Forward, ForwardPoll
from vroeg.feedback.settings import Settings
from vroeg.shared import metrics, tenants
from vroeg.shared.events import now_utc
from vroeg.shared.messaging.unit_of_work import Database, UnitOfWork
from vroeg.shared.service import Resources
from vroeg.shared.supervision import PeriodicJob
from vroeg.shared.telemetry import continuing

log = logging.getLogger(__name__)

FEED_PATH = "/v1/terugkoppelingen"
PAGE = 100
# Pages read from one feed in one pass; the rest waits for the next pass.
MAX_PAGES = 10
# Why an item is not relayed (the metric's label; never what it held).
OUTSIDE_CLOSED_SET = "outside_closed_set"
NOT_OURS = "not_ours"
BAD_PAGE = "bad_page"


class _Item(BaseModel):
    """One item of the receiving deployment's feed, as `FeedbackOut` is: nothing else is
    accepted (a field outside it refuses the item). Read as strings, judged by the rules."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True)

    id: uuid.UUID
    signal_id: uuid.UUID
    vlp_reference: str | None = None
    feedback_type: str
    reason: str | None = None
    doorgestuurd: bool | None = None
    collection_paused_until: date | None = None
    created_at: str


class _Page(BaseModel):
    """A page of that feed, as `FeedbackPage` is; the items are judged one by one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: list[object]
    cursor: str | None = Field(default=None, max_length=100)


def _refused(why: str, destination: str) -> None:
    """Logged and counted by why and from where only: the item could carry what the creditor
    may not hear (the destination, an address, a note)."""
    metrics.FORWARDED_FEEDBACK_REFUSED.labels(why).inc()
    log.warning(
        "feedback from a receiving deployment refused",
        extra={"why": why, "destination": destination},
    )


async def _feeds(session: AsyncSession) -> Sequence[tuple[str, str]]:
    """(destination, forwarding municipality) of every open forward: acknowledged there, with
    a known id there, its feedback not final and not erased. The feeds to poll."""
    rows = await session.execute(
        sa.select(Forward.destination, Forward.municipality).where(_open()).distinct()
    )
    return [(row.destination, row.municipality) for row in rows]


def _open() -> sa.ColumnElement[bool]:
    return sa.and_(
        Forward.status == forwards.FORWARDED,
        Forward.remote_signal_id.is_not(None),
        Forward.relay_ended_at.is_(None),
    )


async def _cursor(session: AsyncSession, destination: str, municipality: str) -> str | None:
    """Where the feed's reading stands (its row made on first use)."""
    await session.execute(
        insert(ForwardPoll)
        .values(destination=destination, municipality=municipality)
        .on_conflict_do_nothing()
    )
    cursor: str | None = await session.scalar(
        sa.select(ForwardPoll.cursor).where(
            ForwardPoll.destination == destination, ForwardPoll.municipality == municipality
        )
    )
    return cursor


class Relay:
    """Polls each receiving deployment's feed once, and tells the creditors what it may."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings

    async def run(self) -> int:
        """One pass; how many pieces of feedback it told creditors."""
        async with self._database.unit_of_work() as uow:
            feeds = await _feeds(uow.session)
        told = 0
        for destination, municipality in feeds:
            told += await self._poll(destination, municipality)
        return told

    async def _poll(self, destination: str, municipality: str) -> int:
        async with self._database.unit_of_work() as uow:
            cursor = await _cursor(uow.session, destination, municipality)
            entry = await tenants.entry(uow.session, destination)
        try:
            key = (
                entry.key_for(municipality, self._settings.registry_keyring)
                if entry is not None
                else None
            )
        except tenants.UnreadableKey:
            return 0  # logged and counted where it was found; the next pass tries again
        if entry is None or entry.feedback_url is None or key is None:
            return 0  # nowhere to ask (yet): the registry may name it later
        told = 0
        timeout = self._settings.forwarding_timeout_s
        try:
            async with forwarding.client(entry, entry.feedback_url, timeout) as http:
                for _ in range(MAX_PAGES):
                    page = await _fetch(http, key, cursor, destination)
                    if page is None:
                        break
                    async with self._database.unit_of_work() as uow:
                        recorded = await _record(uow, destination, municipality, cursor, page)
                    if recorded is None:
                        break  # another replica read it meanwhile, and recorded it
                    told += recorded
                    cursor = page.cursor if page.cursor is not None else cursor
                    if len(page.items) < PAGE:
                        break
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            # The error's class only; what was recorded before it stays, the cursor with it.
            log.warning(
                "polling a receiving deployment's feedback failed",
                extra={"destination": destination, "error": type(exc).__name__},
            )
        return told


async def _fetch(
    http: httpx.AsyncClient, key: str, cursor: str | None, destination: str
) -> _Page | None:
    """The feed's next page, or None (refused, counted) when it is not a page."""
    params: dict[str, str | int] = {"limit": PAGE}
    if cursor is not None:
        params["after"] = cursor
    # No part of any signal's trace, and no client span of a trace of its own (background
    # work starts none): sent without a `traceparent`, the other deployment records the read
    # as a request of its own, not under a parent that nobody records.
    with suppress_http_instrumentation():
        response = await http.get(FEED_PATH, params=params, headers={"X-Api-Key": key})
    response.raise_for_status()
    try:
        return _Page.model_validate(response.json())
    except (ValidationError, ValueError):
        _refused(BAD_PAGE, destination)
        return None


async def _record(
    uow: UnitOfWork, destination: str, municipality: str, read_from: str | None, page: _Page
) -> int | None:
    """Relay a page read from `read_from` and move the cursor past it — unless the cursor
    moved since (another replica recorded that page): then None, and nothing is recorded."""
    poll = await uow.session.scalar(
        sa.select(ForwardPoll)
        .where(ForwardPoll.destination == destination, ForwardPoll.municipality == municipality)
        .with_for_update()
    )
    if poll is None or poll.cursor != read_from:
        return None
    told = 0
    for item in page.items:
        told += await _relay(uow, destination, municipality, item)
    if page.cursor is not None:
        poll.cursor = page.cursor
    poll.polled_at = now_utc()
    return told


async def _relay(uow: UnitOfWork, destination: str, municipality: str, raw: object) -> int:
    """Tell the creditor of the open forward an item names, as far as the closed set allows."""
    try:
        item = _Item.model_validate(raw)
        told = rules.feedback_relayed(
            item.feedback_type, item.reason, item.doorgestuurd, item.collection_paused_until
        )
    except (ValidationError, ValueError):
        _refused(OUTSIDE_CLOSED_SET, destination)
        return 0
    forward: Forward | None = await uow.session.scalar(
        sa.select(Forward).where(
            Forward.remote_signal_id == item.signal_id,
            Forward.destination == destination,
            Forward.municipality == municipality,
            _open(),
        )
    )
    if forward is None:
        # Not a signal this municipality forwarded there, or one whose feedback is final or
        # erased: nothing of it reaches any creditor.
        _refused(NOT_OURS, destination)
        return 0
    if told is None:
        return 0
    now = now_utc()
    # In the signal's trace, kept with its forward: so is the creditor's webhook delivery.
    with continuing(forward.traceparent, "relay forwarded feedback"):
        added = await repository.add_feedback(
            uow.session,
            Feedback.of(
                told,
                signal_id=forward.signal_id,
                vlp_id=forward.vlp_id,
                vlp_reference=forward.vlp_reference,
                municipality=forward.municipality,
                forwarded_by=forward.forwarded_by,
                now=now,
            ),
        )
    if rules.is_final(told):
        forward.relay_ended_at = now
    return int(added)


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """The relay of forwarded signals' feedback, every `VROEG_FORWARDED_FEEDBACK_INTERVAL_S`."""

    async def run(database: Database) -> int:
        return await Relay(database, settings).run()

    return [PeriodicJob("forwarded-feedback", settings.forwarded_feedback_interval_s, run)]
