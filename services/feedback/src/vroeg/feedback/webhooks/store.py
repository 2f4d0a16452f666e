"""All of the webhooks' SQL: creditors' endpoints, and deliveries enqueued, claimed (FOR
UPDATE SKIP LOCKED, so replicas share the work), settled, parked and replayed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.feedback.models import Base, DeliveryState, Feedback, WebhookDelivery, WebhookEndpoint
from vroeg.feedback.schemas import FeedbackOut

_deliveries = Base.metadata.tables["webhook_deliveries"]
_endpoints = Base.metadata.tables["webhook_endpoints"]


def body(feedback: Feedback) -> str:
    """What a delivery of this feedback sends: the creditor's view of it."""
    return FeedbackOut.model_validate(feedback, from_attributes=True).model_dump_json(by_alias=True)


def enqueued(added: sa.CTE) -> sa.Insert:
    """The deliveries of the feedback rows just `added` (a data-modifying CTE returning their
    id, vlp_id, municipality, forwarded_by and created_at) to their creditors' endpoints, in
    the transaction that records them (nothing lost, nothing twice), with the body bound as
    `body` and the trace its attempts continue as `traceparent`; none when the creditor has
    no endpoint (it polls). The endpoint's row is read and key-share locked by the insert.

    None either for feedback on a signal another municipality forwarded here: that goes back
    to the forwarder, who tells its creditor (Awb 2:3); pushed from here it would reveal where
    the resident moved, and the creditor would hear it twice."""
    return sa.insert(_deliveries).from_select(
        [
            "id",
            "vlp_id",
            "municipality",
            "body",
            "state",
            "created_at",
            "pending_since",
            "next_attempt_at",
            "attempts",
            "traceparent",
        ],
        sa.select(
            added.c.id,
            _endpoints.c.vlp_id,
            added.c.municipality,
            sa.bindparam("body", type_=_deliveries.c.body.type),
            sa.literal(DeliveryState.PENDING.value),
            added.c.created_at,
            added.c.created_at,
            added.c.created_at,
            sa.literal(0),
            sa.bindparam("traceparent", type_=_deliveries.c.traceparent.type),
        )
        .select_from(added.join(_endpoints, _endpoints.c.vlp_id == added.c.vlp_id))
        .where(added.c.forwarded_by.is_(None)),
    )


# Creditors' endpoints.


async def endpoint(
    session: AsyncSession, vlp_id: str, *, for_update: bool = False
) -> WebhookEndpoint | None:
    """A creditor's endpoint, if it registered one."""
    statement = sa.select(WebhookEndpoint).where(WebhookEndpoint.vlp_id == vlp_id)
    if for_update:
        statement = statement.with_for_update()
    found: WebhookEndpoint | None = await session.scalar(statement)
    return found


async def create_endpoint(
    session: AsyncSession, vlp_id: str, url: str, secret: str, now: datetime
) -> bool:
    """The creditor's first endpoint; False (nothing changed) when it has one already, also
    when another request made it a moment ago."""
    made = await session.scalar(
        insert(_endpoints)
        .values(vlp_id=vlp_id, url=url, secret=secret, updated_at=now)
        .on_conflict_do_nothing(index_elements=[_endpoints.c.vlp_id])
        .returning(_endpoints.c.vlp_id)
    )
    return made is not None


async def delete_endpoint(session: AsyncSession, vlp_id: str) -> bool:
    """Forget a creditor's endpoint and its undelivered deliveries (ON DELETE CASCADE)."""
    result = await session.execute(sa.delete(_endpoints).where(_endpoints.c.vlp_id == vlp_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# The worker.


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds for one attempt, with where and how to send it."""

    id: uuid.UUID
    vlp_id: str
    body: str | None
    attempts: int
    pending_since: datetime
    url: str
    secrets: tuple[str, ...]
    traceparent: str | None


async def claim_due(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int, token: uuid.UUID
) -> list[Claimed]:
    """Take up to `limit` due deliveries for one attempt each, skipping those another worker
    holds; each is the caller's (by `token`) until `now + lease`. A delivery never tried is
    due at once."""
    due = (
        sa.select(_deliveries.c.id)
        .where(
            _deliveries.c.state == DeliveryState.PENDING.value,
            sa.or_(_deliveries.c.next_attempt_at <= now, _deliveries.c.attempts == 0),
        )
        .order_by(_deliveries.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(await session.scalars(due))
    if not ids:
        return []
    rows = (
        await session.execute(
            sa.update(_deliveries)
            .where(_deliveries.c.id.in_(ids))
            .values(
                claim=token,
                attempts=_deliveries.c.attempts + 1,
                next_attempt_at=now + lease,
            )
            .returning(
                _deliveries.c.id,
                _deliveries.c.vlp_id,
                _deliveries.c.body,
                _deliveries.c.attempts,
                _deliveries.c.pending_since,
                _deliveries.c.traceparent,
            )
        )
    ).all()
    endpoints = {
        e.vlp_id: e
        for e in await session.scalars(
            sa.select(WebhookEndpoint).where(WebhookEndpoint.vlp_id.in_({r.vlp_id for r in rows}))
        )
    }
    claimed = []
    for row in rows:
        target = endpoints[row.vlp_id]  # the foreign key keeps it
        in_use = [target.secret]
        if (
            target.previous_secret is not None
            and target.previous_secret_until is not None
            and target.previous_secret_until > now
        ):
            in_use.append(target.previous_secret)
        claimed.append(
            Claimed(
                row.id,
                row.vlp_id,
                row.body,
                row.attempts,
                row.pending_since,
                target.url,
                tuple(in_use),
                row.traceparent,
            )
        )
    return claimed


@dataclass(frozen=True)
class Attempt:
    """How one attempt ended: acknowledged, due again at `next_attempt_at`, or (neither)
    parked; the status the endpoint answered, or what went wrong instead."""

    id: uuid.UUID
    delivered: bool
    next_attempt_at: datetime | None
    status: int | None
    error: str | None


async def settle(
    session: AsyncSession, attempts: Sequence[Attempt], token: uuid.UUID, *, now: datetime
) -> set[uuid.UUID]:
    """Record the attempts' ends, each only while the caller still holds it (its token); an
    acknowledged delivery's body is dropped. One statement for the whole round (the ends as
    arrays, unnested). The ids recorded."""
    if not attempts:
        return set()
    delivered, dead = DeliveryState.DELIVERED.value, DeliveryState.DEAD.value
    ends = (
        sa.func.unnest(
            _array([a.id for a in attempts], sa.Uuid()),
            _array([_state(a).value for a in attempts], sa.String()),
            _array([a.next_attempt_at for a in attempts], sa.DateTime(timezone=True)),
            _array([a.status for a in attempts], sa.Integer()),
            _array([a.error for a in attempts], sa.String()),
        )
        .table_valued(
            sa.column("id", sa.Uuid()),
            sa.column("state", sa.String()),
            sa.column("next_attempt_at", sa.DateTime(timezone=True)),
            sa.column("status", sa.Integer()),
            sa.column("error", sa.String()),
        )
        .render_derived(name="ends")
    )
    moment = sa.literal(now, sa.DateTime(timezone=True))
    held = await session.scalars(
        sa.update(_deliveries)
        .where(_deliveries.c.id == ends.c.id, _deliveries.c.claim == token)
        .values(
            claim=None,
            last_status=ends.c.status,
            last_error=ends.c.error,
            state=ends.c.state,
            next_attempt_at=sa.func.coalesce(ends.c.next_attempt_at, _deliveries.c.next_attempt_at),
            delivered_at=sa.case(
                (ends.c.state == delivered, moment), else_=_deliveries.c.delivered_at
            ),
            body=sa.case((ends.c.state == delivered, sa.null()), else_=_deliveries.c.body),
            dead_at=sa.case((ends.c.state == dead, moment), else_=_deliveries.c.dead_at),
        )
        .returning(_deliveries.c.id)
    )
    return set(held)


def _state(attempt: Attempt) -> DeliveryState:
    if attempt.delivered:
        return DeliveryState.DELIVERED
    return DeliveryState.PENDING if attempt.next_attempt_at is not None else DeliveryState.DEAD


def _array(values: list[Any], item: sa.types.TypeEngine[Any]) -> sa.ColumnElement[Any]:
    """A typed array parameter (asyncpg must know what `unnest` takes)."""
    return sa.cast(sa.bindparam(None, values, type_=ARRAY(item)), ARRAY(item))


# Dead letters.


async def dead_letters(
    session: AsyncSession, municipality: str, vlp_id: str | None, limit: int
) -> Sequence[WebhookDelivery]:
    """A municipality's parked deliveries, oldest first, optionally of one creditor."""
    statement = sa.select(WebhookDelivery).where(
        WebhookDelivery.state == DeliveryState.DEAD.value,
        WebhookDelivery.municipality == municipality,
    )
    if vlp_id is not None:
        statement = statement.where(WebhookDelivery.vlp_id == vlp_id)
    return (
        await session.scalars(
            statement.order_by(WebhookDelivery.dead_at, WebhookDelivery.id).limit(limit)
        )
    ).all()


async def dead_letter(
    session: AsyncSession, municipality: str, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    """One parked delivery of a municipality, locked for its replay."""
    found: WebhookDelivery | None = await session.scalar(
        sa.select(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.municipality == municipality,
            WebhookDelivery.state == DeliveryState.DEAD.value,
        )
        .with_for_update()
    )
    return found


async def replay(
    session: AsyncSession,
    municipality: str,
    *,
    vlp_id: str | None,
    delivery_id: uuid.UUID | None,
    actor: str,
    now: datetime,
) -> int:
    """Put parked deliveries (one, or all of a creditor in a municipality) back as never
    tried, with a fresh retry window; erased ones (no body) stay parked. How many."""
    chosen = [
        _deliveries.c.state == DeliveryState.DEAD.value,
        _deliveries.c.municipality == municipality,
        _deliveries.c.body.is_not(None),
    ]
    if vlp_id is not None:
        chosen.append(_deliveries.c.vlp_id == vlp_id)
    if delivery_id is not None:
        chosen.append(_deliveries.c.id == delivery_id)
    result = await session.execute(
        sa.update(_deliveries)
        .where(*chosen)
        .values(
            state=DeliveryState.PENDING.value,
            pending_since=now,
            next_attempt_at=now,
            attempts=0,
            dead_at=None,
            claim=None,
            replayed_by=actor,
            replayed_at=now,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# Gauges.


async def pending_since_by_creditor(session: AsyncSession) -> dict[str, datetime]:
    """Per creditor, when its oldest delivery still waiting began waiting."""
    rows = await session.execute(
        sa.select(_deliveries.c.vlp_id, sa.func.min(_deliveries.c.pending_since))
        .where(_deliveries.c.state == DeliveryState.PENDING.value)
        .group_by(_deliveries.c.vlp_id)
    )
    return {vlp_id: since for vlp_id, since in rows.tuples()}


async def dead_by_creditor(session: AsyncSession) -> dict[str, int]:
    """Per creditor, how many deliveries are parked."""
    rows = await session.execute(
        sa.select(_deliveries.c.vlp_id, sa.func.count())
        .where(_deliveries.c.state == DeliveryState.DEAD.value)
        .group_by(_deliveries.c.vlp_id)
    )
    return {vlp_id: count for vlp_id, count in rows.tuples()}
