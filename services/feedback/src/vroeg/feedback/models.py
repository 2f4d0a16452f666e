"""feedback's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vroeg.shared.retention import Erasure


class Base(DeclarativeBase):
    pass


class Feedback(Base):
    """One piece of feedback a creditor may receive on one of its signals."""

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
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


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
    recorded the feedback (`webhooks.enqueue`), claimed by a replica's worker, retried with
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


_feedback = Base.metadata.tables["feedback"]
_deliveries = Base.metadata.tables["webhook_deliveries"]
# R-MAT-5, counted from when the feedback was recorded; ids, creditor, type, reason and date
# stay (delivery quality per creditor, §2.3).
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
)
