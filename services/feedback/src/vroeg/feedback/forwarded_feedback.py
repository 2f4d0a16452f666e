"""Feedback on forwarded signals comes back to the forwarder, which tells the creditor as its
own (Awb 2:3; contracts.md: "the creditor never learns the destination").

A periodic job polls, per receiving deployment and forwarding municipality with acknowledged
forwards, that deployment's `GET /v1/terugkoppelingen` with the key the forwards went with (a
municipality key there reads exactly the feedback on the signals it forwarded), from the
cursor stored in `forward_polls` (row locked while polling: two replicas never read one feed
at once, and the cursor moves in the transaction that records what was read). Each item is
matched to its forward by the signal's id there and rebuilt through the closed set
(`rules.feedback_relayed`): the creditor's row is made by `Feedback.of` like any other, with
the forwarder's own signal id and the creditor's own reference. Anything outside the closed
set — an unknown type, reason or field — is refused and logged without its content;
NIET_WOONACHTIG is never told. Nothing of the receiving deployment's item but the type and
its one detail reaches the creditor.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from collections.abc import Sequence
from datetime import date

import httpx
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.feedback import forwarding, repository, rules
from vroeg.feedback import forwarding_repository as forwards
from vroeg.feedback.models import Feedback, Forward, ForwardPoll
from vroeg.feedback.settings import Settings
from vroeg.shared import tenants
from vroeg.shared.events import now_utc
from vroeg.shared.messaging.unit_of_work import Database, UnitOfWork
from vroeg.shared.service import Resources
from vroeg.shared.supervision import PeriodicJob

log = logging.getLogger(__name__)

FEED_PATH = "/v1/terugkoppelingen"
PAGE = 100


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


async def _feeds(session: AsyncSession) -> Sequence[tuple[str, str]]:
    """(destination, forwarding municipality) of every acknowledged forward with a known id
    there: the feeds to poll."""
    rows = await session.execute(
        sa.select(Forward.destination, Forward.municipality)
        .where(Forward.status == forwards.FORWARDED, Forward.remote_signal_id.is_not(None))
        .distinct()
    )
    return [(row.destination, row.municipality) for row in rows]


async def _claim(uow: UnitOfWork, destination: str, municipality: str) -> ForwardPoll | None:
    """The feed's cursor row, locked; None while another replica polls it."""
    await uow.session.execute(
        insert(ForwardPoll)
        .values(destination=destination, municipality=municipality)
        .on_conflict_do_nothing()
    )
    poll: ForwardPoll | None = await uow.session.scalar(
        sa.select(ForwardPoll)
        .where(ForwardPoll.destination == destination, ForwardPoll.municipality == municipality)
        .with_for_update(skip_locked=True)
    )
    return poll


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
            async with self._database.unit_of_work() as uow:
                poll = await _claim(uow, destination, municipality)
                if poll is not None:
                    told += await self._poll(uow, poll)
        return told

    async def _poll(self, uow: UnitOfWork, poll: ForwardPoll) -> int:
        entry = await tenants.entry(uow.session, poll.destination)
        key = entry.key_for(poll.municipality, self._settings.registry_keyring) if entry else None
        if entry is None or entry.feedback_url is None or key is None:
            return 0  # nowhere to ask (yet): the registry may name it later
        told = 0
        timeout = self._settings.forwarding_timeout_s
        try:
            async with forwarding.client(entry, entry.feedback_url, timeout) as http:
                while True:
                    params: dict[str, str | int] = {"limit": PAGE}
                    if poll.cursor is not None:
                        params["after"] = poll.cursor
                    response = await http.get(FEED_PATH, params=params, headers={"X-Api-Key": key})
                    response.raise_for_status()
                    page = response.json()
                    items = page.get("items") or []
                    for item in items:
                        told += await _relay(uow, item)
                    if page.get("cursor") is not None:
                        poll.cursor = str(page["cursor"])
                    if len(items) < PAGE:
                        break
        except (httpx.HTTPError, ssl.SSLError, OSError, ValueError, AttributeError) as exc:
            # The error's class only; what was read before it is kept, the cursor with it.
            log.warning(
                "polling a receiving deployment's feedback failed",
                extra={"destination": poll.destination, "error": type(exc).__name__},
            )
        poll.polled_at = now_utc()
        return told


async def _relay(uow: UnitOfWork, raw: object) -> int:
    """Tell the creditor of the forward one item names, as far as the closed set allows."""
    try:
        item = _Item.model_validate(raw)
        told = rules.feedback_relayed(item.feedback_type, item.reason, item.collection_paused_until)
    except (ValidationError, ValueError):
        # Refused, and logged without its content: it could carry what the creditor may not
        # hear (the destination, a note).
        log.warning("feedback from a receiving deployment refused: outside the closed set")
        return 0
    if told is None:
        return 0
    forward: Forward | None = await uow.session.scalar(
        sa.select(Forward).where(Forward.remote_signal_id == item.signal_id)
    )
    if forward is None:
        log.warning("feedback from a receiving deployment on no forward of ours")
        return 0
    added = await repository.add_feedback(
        uow.session,
        Feedback.of(
            told,
            signal_id=forward.signal_id,
            vlp_id=forward.vlp_id,
            vlp_reference=forward.vlp_reference,
            municipality=forward.municipality,
            forwarded_by=None,
            now=now_utc(),
        ),
    )
    return int(added)


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """The relay of forwarded signals' feedback, every `VROEG_FORWARDED_FEEDBACK_INTERVAL_S`."""

    async def run(database: Database) -> int:
        return await Relay(database, settings).run()

    return [PeriodicJob("forwarded-feedback", settings.forwarded_feedback_interval_s, run)]
