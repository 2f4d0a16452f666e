"""feedback's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
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
    # Only with NIET_WOONACHTIG: whether the signal went to the competent body (Awb 2:3,
    # domain §8) — never which.
    doorgestuurd: Mapped[bool | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


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
    )

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The forwarding municipality (the signal's) and the destination (never told the creditor).
    municipality: Mapped[str] = mapped_column(sa.String(4), index=True)
    destination: Mapped[str] = mapped_column(sa.String(4))
    vlp_id: Mapped[str]
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


_feedback = Base.metadata.tables["feedback"]
_forwards = Base.metadata.tables["forwards"]
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
    # A forward still waiting when its signal's data falls due loses it (and stays WAITING,
    # visible to staff); counted from when feedback received the signal.
    Erasure(
        "feedback.forward",
        _forwards,
        erase={"payload": None},
        clock=_forwards.c.created_at,
        municipality=_forwards.c.municipality,
    ),
)
