"""All of feedback's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.feedback import webhooks
from vroeg.feedback.models import Base, Feedback, PendingOutcome, SignalCreditor
from vroeg.shared.db import application_name
from vroeg.shared.sql import any_of
from vroeg.shared.telemetry import current_traceparent
from vroeg.shared.upserts import keep, upsert

_COLUMNS = (
    "id",
    "signal_id",
    "vlp_id",
    "vlp_reference",
    "municipality",
    "feedback_type",
    "reason",
    "doorgestuurd",
    "collection_paused_until",
    "forwarded_by",
    "created_at",
)


_feedback = Base.metadata.tables[Feedback.__tablename__]
_ADDED = (
    insert(_feedback)
    .values({name: sa.bindparam(name) for name in _COLUMNS})
    .on_conflict_do_nothing(index_elements=["signal_id", "feedback_type"])
    .returning(
        _feedback.c.id,
        _feedback.c.vlp_id,
        _feedback.c.municipality,
        _feedback.c.forwarded_by,
        _feedback.c.created_at,
    )
    .cte("added")
)
# One statement, built once: the row, and its webhook delivery if the row is new.
_ADD = (
    sa.select(sa.func.count())
    .select_from(_ADDED)
    .add_cte(webhooks.enqueued(_ADDED).cte("enqueued"))
)


async def add_feedback(session: AsyncSession, feedback: Feedback) -> bool:
    """Store feedback for a creditor, once, with its webhook delivery: the same type on the
    same signal again (a redelivered or repeated event) changes nothing. Whether the row is
    new.

    Every feedback row is inserted here, in the transaction of what caused it."""
    added = await session.scalar(
        _ADD,
        {
            **{name: getattr(feedback, name) for name in _COLUMNS},
            # Feedback on a signal forwarded here is not pushed (`webhooks.enqueued`).
            "body": webhooks.body(feedback) if feedback.forwarded_by is None else None,
            # The delivery's attempts go in the trace of what caused the feedback.
            "traceparent": current_traceparent(),
        },
    )
    return added == 1


async def feedback_for_signal(session: AsyncSession, signal_id: uuid.UUID) -> Sequence[Feedback]:
    """The feedback on one signal, oldest first."""
    result = await session.scalars(
        sa.select(Feedback)
        .where(Feedback.signal_id == signal_id)
        .order_by(Feedback.created_at, Feedback.position)
    )
    return result.all()


@dataclass(frozen=True)
class Addressee:
    """Who hears about a signal: its creditor, or the municipality that forwarded it here."""

    vlp_id: str | None
    forwarded_by: str | None


@dataclass(frozen=True)
class Cursor:
    """A place in an addressee's feed: after the row at (transaction id, position)."""

    txid: int
    position: int


class Xid8(sa.types.UserDefinedType[str]):
    """PostgreSQL's 64-bit transaction id (never wraps around), for casts."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


_TXID: sa.ColumnClause[str] = sa.literal_column("feedback.txid", Xid8())

# The feed's horizon: the oldest transaction that could still commit a feedback row this
# statement cannot see. Of the transactions running when the statement's snapshot was taken
# (`pg_snapshot_xip`, 64-bit), only those positively known to be another database's or another
# service's are passed over: `pg_stat_activity` lists a running transaction's 32-bit id with its
# session's database and `application_name`, which every feedback session sets (vroeg.shared.db;
# its API, consumer, relay, webhook workers and migrations share one engine). Whose an id is
# never changes, so when that view is read does not matter; an id not listed (a writer that
# finished after the snapshot, a prepared transaction) still holds. The low 32 bits identify
# an id: running ones lie within 2^31 of each other. With none held, the snapshot's xmax: a
# transaction given an id later gets one at least that.
_HORIZON = (
    sa.text(
        """
        SELECT least(
            pg_snapshot_xmax(pg_current_snapshot()),
            (SELECT min(x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
             WHERE x::text::numeric % 4294967296 NOT IN (
                SELECT backend_xid::text::numeric FROM pg_stat_activity
                WHERE backend_xid IS NOT NULL
                  AND (datname IS DISTINCT FROM current_database()
                       OR application_name IS DISTINCT FROM :writers))))
        """
    )
    .bindparams(writers=application_name("feedback"))
    .columns(sa.column("horizon", Xid8()))
    .scalar_subquery()
)
_SETTLED = _TXID < _HORIZON


def _of(addressee: Addressee) -> sa.ColumnElement[bool]:
    if addressee.forwarded_by is not None:
        return Feedback.forwarded_by == addressee.forwarded_by
    return sa.and_(Feedback.vlp_id == addressee.vlp_id, Feedback.forwarded_by.is_(None))


async def page(
    session: AsyncSession, addressee: Addressee, after: Cursor | None, limit: int
) -> list[tuple[Feedback, Cursor]]:
    """The addressee's settled feedback after the cursor, in cursor order, each with its own
    cursor (transaction id first, then position).

    A row is handed out only below the horizon (`_HORIZON`), and then no row can ever appear
    behind it: a row this statement cannot see was written by a transaction in its snapshot's
    running set or by one given an id at or after its xmax. The horizon is at most that xmax
    and at most every running id not positively another database's or another service's, so
    an unseen feedback row, always written in a feedback session of this database, sorts at or
    after it. Every row below it is committed and visible: a cursor handed out stays before
    every row that comes later, so following it skips nothing.

    Only feedback's own writers hold the feed back, not a long transaction elsewhere on the
    server (another service, database, report or benchmark), unlike the server-wide
    `pg_snapshot_xmin`. `pg_stat_activity` shows every role a session's database,
    `application_name` and `backend_xid`, so no extra privilege is needed; but whatever writes
    feedback rows must connect as feedback does (`vroeg.shared.db.create_engine`), or its
    transactions may be passed over while running."""
    txid = sa.cast(_TXID, sa.Text)
    statement = sa.select(Feedback, txid).where(_of(addressee), _SETTLED)
    if after is not None:
        statement = statement.where(
            sa.tuple_(_TXID, Feedback.position)
            > sa.tuple_(sa.cast(sa.literal(str(after.txid)), Xid8()), sa.literal(after.position))
        )
    rows = await session.execute(statement.order_by(_TXID, Feedback.position).limit(limit))
    return [(row, Cursor(int(text), row.position)) for row, text in rows.tuples()]


async def one_for(
    session: AsyncSession, addressee: Addressee, feedback_id: uuid.UUID
) -> Feedback | None:
    """One piece of feedback, if it is the addressee's."""
    found: Feedback | None = await session.scalar(
        sa.select(Feedback).where(Feedback.id == feedback_id, _of(addressee))
    )
    return found


_creditors = Base.metadata.tables[SignalCreditor.__tablename__]
_pending = Base.metadata.tables[PendingOutcome.__tablename__]


_REMEMBERED = (
    "signal_id",
    "municipality",
    "route",
    "vlp_id",
    "vlp_reference",
    "forwarded_by",
    "recorded_at",
)


def _always(proposed: Any, table: sa.Table) -> sa.ColumnElement[bool]:
    """A route's creditor replaces what an outcome stored before it (only the id)."""
    return sa.true()


async def remember_creditors(
    session: AsyncSession, signals: Sequence[SignalCreditor]
) -> dict[uuid.UUID, list[sa.Row[Any]]]:
    """Record whose signals they are, and take the outcomes that waited for them: by signal,
    oldest first. Two statements however many signals.

    The upserts lock the signals' rows, in the order of their ids; an outcome handled at the
    same time upserts the same row, so one of the two waits for the other's commit and then
    sees what it wrote: either the outcome finds the creditor, or the route finds the outcome
    (READ COMMITTED: the delete below reads after the wait). A batch of outcomes locks its
    signals in the order of its events: should it and a batch of routes each hold a row the
    other wants, PostgreSQL ends one of them as deadlocked and the runtime does it again."""
    if not signals:
        return {}
    ordered = sorted(signals, key=lambda signal: signal.signal_id)
    await keep(
        session,
        upsert(_creditors, _REMEMBERED, ("signal_id",), _always),
        [{column: getattr(signal, column) for column in _REMEMBERED} for signal in ordered],
    )
    pending = await session.execute(
        sa.delete(_pending)
        .where(any_of(_pending.c.signal_id, [signal.signal_id for signal in ordered]))
        .returning(*_pending.c)
    )
    waiting: dict[uuid.UUID, list[sa.Row[Any]]] = {}
    for outcome in sorted(pending.all(), key=lambda p: p.received_at):
        waiting.setdefault(outcome.signal_id, []).append(outcome)
    return waiting


async def creditor_of(
    session: AsyncSession, signal_id: uuid.UUID, municipality: str, now: datetime
) -> sa.Row[Any]:
    """The signal's creditor as far as known (its route may not have arrived yet: then only
    the id), with the row locked against a route handled at the same time."""
    statement = insert(_creditors).values(
        signal_id=signal_id, municipality=municipality, recorded_at=now
    )
    row = await session.execute(
        statement.on_conflict_do_update(
            index_elements=[_creditors.c.signal_id],
            set_={"signal_id": statement.excluded.signal_id},
        ).returning(*_creditors.c)
    )
    return row.one()


async def keep_pending(session: AsyncSession, outcome: PendingOutcome) -> None:
    """An outcome waits for its signal's route."""
    await session.execute(
        sa.insert(_pending).values({c.name: getattr(outcome, c.name) for c in _pending.c})
    )
