"""feedback's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vroeg.feedback.rules import Told
from vroeg.shared.retention import Erasure


class Base(DeclarativeBase):
    pass


class Feedback(Base):
    """One piece of feedback a creditor may receive on one of its signals.

    `position` orders rows within their inserting transaction; `txid` (xid8, the inserting
    transaction's id, set by the database) orders the transactions. The polling cursor is the
    pair, and only rows of transactions older than every transaction still running are handed
    out, so a row that commits later never sorts before a cursor already given (see
    `repository.page`).
    """

    __tablename__ = "feedback"
    __table_args__ = (sa.UniqueConstraint("signal_id", "feedback_type"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    signal_id: Mapped[uuid.UUID]
    vlp_id: Mapped[str] = mapped_column(index=True)
    # Erased when due (R-MAT-5): it links what was learnt about a person (died, moved, known
    # to debt help) to the creditor's own record of them.
    vlp_reference: Mapped[str | None]
    municipality: Mapped[str] = mapped_column(sa.String(4))
    feedback_type: Mapped[str]
    # Only with NIET_OPGEPAKT: the reason code the creditor may hear.
    reason: Mapped[str | None]
    # Only with NIET_WOONACHTIG: whether the signal was forwarded (Awb 2:3), never where.
    doorgestuurd: Mapped[bool | None]
    # Only with HULP_GEACCEPTEERD: the last day the creditor pauses collection (R-FU-5).
    collection_paused_until: Mapped[date | None]
    # A signal another municipality forwarded here: its feedback goes to that municipality
    # (which tells the creditor as its own), never to the creditor's key here (Awb 2:3).
    forwarded_by: Mapped[str | None] = mapped_column(sa.String(4))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    position: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True))

    @classmethod
    def of(
        cls,
        told: Told,
        *,
        signal_id: uuid.UUID,
        vlp_id: str,
        vlp_reference: str | None,
        municipality: str,
        forwarded_by: str | None,
        now: datetime,
    ) -> Feedback:
        """A row for what a rule decided to tell the signal's own creditor."""
        return cls(
            id=uuid.uuid4(),
            signal_id=signal_id,
            vlp_id=vlp_id,
            vlp_reference=vlp_reference,
            municipality=municipality,
            feedback_type=told.feedback_type.value,
            reason=told.reason.value if told.reason else None,
            doorgestuurd=told.doorgestuurd,
            collection_paused_until=told.collection_paused_until,
            forwarded_by=forwarded_by,
            created_at=now,
        )


class SignalCreditor(Base):
    """Whose signal is it: what an outcome, which names only signal ids, needs to address its
    feedback to each signal's own creditor (from the route events; no personal data but the
    creditor's reference). An outcome may arrive first: then the row holds only the id and
    municipality until the route comes, and the outcome waits in `pending_outcomes`."""

    __tablename__ = "signal_creditors"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    route: Mapped[str | None]
    vlp_id: Mapped[str | None]
    # Erased when due (R-MAT-5), as the feedback's own copy.
    vlp_reference: Mapped[str | None]
    forwarded_by: Mapped[str | None] = mapped_column(sa.String(4))
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class PendingOutcome(Base):
    """An outcome on a signal whose route feedback has not read yet (topics are not ordered
    with each other): what the rule needs, kept until the route names the creditor."""

    __tablename__ = "pending_outcomes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    signal_id: Mapped[uuid.UUID] = mapped_column(index=True)
    category: Mapped[str | None]
    creditor_consent: Mapped[bool]
    collection_paused_until: Mapped[date | None]
    debt_help: Mapped[str | None]
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class WebhookEndpoint(Base):
    """Where a creditor wants its feedback pushed (Standard Webhooks), and the secrets it is
    signed with; a creditor without one polls."""

    __tablename__ = "webhook_endpoints"

    vlp_id: Mapped[str] = mapped_column(primary_key=True)
    url: Mapped[str]
    # `whsec_…`: the current secret, and during a rotation's overlap the one before it, with
    # which deliveries are signed too until `previous_secret_until`.
    secret: Mapped[str]
    previous_secret: Mapped[str | None]
    previous_secret_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class DeliveryState(StrEnum):
    """A webhook delivery's state: waiting (or being retried), acknowledged, or parked."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    DEAD = "DEAD"


class WebhookDelivery(Base):
    """One feedback row to push to its creditor's endpoint: enqueued in the transaction that
    recorded the feedback (`webhooks.enqueued`), claimed by a replica's worker, retried with
    backoff for a bounded time, then parked as a dead letter an operator may replay."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # The worker's claim: the due pending deliveries.
        sa.Index(
            "webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=sa.text("state = 'PENDING'"),
        ),
    )

    # The feedback's id: the `webhook-id`, by which a receiver deduplicates.
    id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("feedback.id"), primary_key=True)
    # A creditor that stops taking webhooks takes its undelivered deliveries with it.
    vlp_id: Mapped[str] = mapped_column(
        sa.ForeignKey("webhook_endpoints.vlp_id", ondelete="CASCADE"), index=True
    )
    municipality: Mapped[str] = mapped_column(sa.String(4))
    # The JSON body (`FeedbackOut` by alias), with the creditor's reference: dropped once
    # acknowledged, erased when due (R-MAT-5).
    body: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(9))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # When its retries began (enqueued, or replayed): it is parked when an attempt fails
    # `VROEG_WEBHOOK_RETRY_FOR_S` after this.
    pending_since: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # When it is due next; while a worker holds it, the end of the worker's lease.
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # The worker that holds it (a fresh token per claim): only its result is recorded.
    claim: Mapped[uuid.UUID | None]
    attempts: Mapped[int] = mapped_column(default=0)
    # The last failure: the HTTP status, or what went wrong without one (never a body).
    last_status: Mapped[int | None]
    last_error: Mapped[str | None]
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    dead_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # An operator's replay of a dead letter: who, when.
    replayed_by: Mapped[str | None]
    replayed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The trace of what caused the feedback (W3C `traceparent`), which each attempt continues.
    traceparent: Mapped[str | None] = mapped_column(sa.String(55))


class Forward(Base):
    """A relocated signal's forward to the competent municipality (Awb 2:3): waiting (the
    worker posts it until that intake acknowledges), forwarded, or not forwarded and why."""

    __tablename__ = "forwards"
    __table_args__ = (
        sa.Index(
            "forwards_waiting",
            "next_attempt_at",
            postgresql_where=sa.text("status = 'WAITING'"),
        ),
        sa.Index("forwards_remote_signal_id", "remote_signal_id"),
    )

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The forwarding municipality (the signal's) and the destination (never told the creditor).
    municipality: Mapped[str] = mapped_column(sa.String(4), index=True)
    destination: Mapped[str] = mapped_column(sa.String(4))
    vlp_id: Mapped[str]
    # What matches the receiving deployment's feedback to this forward, to tell the creditor:
    # the creditor's own reference (erased when due, R-MAT-5) and the signal's id there (from
    # that intake's acknowledgement). Nothing else of the signal stays once it went.
    vlp_reference: Mapped[str | None]
    # The municipality that forwarded the signal here, if one did (a chain, Awb 2:3): the
    # feedback on this forward goes back to it, not to the creditor.
    forwarded_by: Mapped[str | None] = mapped_column(sa.String(4))
    remote_signal_id: Mapped[uuid.UUID | None]
    status: Mapped[str]  # WAITING, FORWARDED, NOT_FORWARDED
    outcome: Mapped[str | None]  # vroeg.shared.events.ForwardingOutcome, once decided
    # The body posted to the receiving intake: personal data, kept only while waiting (erased
    # once acknowledged, and on schedule, R-MAT-5).
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # Why the last attempt failed, as a status code or an error class: nothing personal.
    last_error: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The signal's trace (W3C `traceparent`), which each post to the receiving intake continues.
    traceparent: Mapped[str | None] = mapped_column(sa.String(55))
    # When the relay stopped asking the receiving deployment about it: its feedback there was
    # final (`rules.FINAL`, told the creditor). Retention ends it too, by erasing the link.
    relay_ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ForwardPoll(Base):
    """Where the forwarder stands in a receiving deployment's feed of the feedback on what it
    forwarded there: one cursor per destination and forwarding municipality (whose key reads
    it). A page read is recorded only while the cursor is still where it was read from (the
    row locked for that short transaction), so two replicas never relay one page twice."""

    __tablename__ = "forward_polls"

    destination: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    cursor: Mapped[str | None]
    polled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


_feedback = Base.metadata.tables["feedback"]
_deliveries = Base.metadata.tables["webhook_deliveries"]
_forwards = Base.metadata.tables["forwards"]
_signal_creditors = Base.metadata.tables["signal_creditors"]
# R-MAT-5, counted from when the feedback (or the signal's creditor) was recorded; ids,
# creditor, type, reason and date stay (delivery quality per creditor, §2.3).
RETENTION = (
    Erasure(
        "feedback.record",
        _feedback,
        erase={"vlp_reference": None},
        clock=_feedback.c.created_at,
        municipality=_feedback.c.municipality,
    ),
    # A webhook delivery's body holds the creditor's reference too (acknowledged ones hold none).
    Erasure(
        "feedback.webhook-delivery",
        _deliveries,
        erase={"body": None},
        clock=_deliveries.c.created_at,
        municipality=_deliveries.c.municipality,
    ),
    Erasure(
        "feedback.signal-creditor",
        _signal_creditors,
        erase={"vlp_reference": None},
        clock=_signal_creditors.c.recorded_at,
        municipality=_signal_creditors.c.municipality,
    ),
    # A forward still waiting when its signal's data falls due loses it (and stays WAITING,
    # visible to staff); counted from when feedback received the signal. A forwarded one loses
    # the creditor's reference and its link to the signal there: the relay stops asking about
    # it (`forwarded_feedback`), as nothing it heard could be told to anyone any more.
    Erasure(
        "feedback.forward",
        _forwards,
        erase={"payload": None, "vlp_reference": None, "remote_signal_id": None},
        clock=_forwards.c.created_at,
        municipality=_forwards.c.municipality,
    ),
)
