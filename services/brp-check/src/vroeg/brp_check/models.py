"""brp-check's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vroeg.shared.new_rows import InsertedTogether
from vroeg.shared.retention import Erasure


class Base(DeclarativeBase):
    pass


class Check(InsertedTogether, Base):
    """The outcome of one signal's BRP check: its route and why (no personal data)."""

    __tablename__ = "checks"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    route: Mapped[str]
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    checked_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class DebtHelpRegistration(Base):
    """A resident known to the municipality's debt help (imported; R-BRP-4)."""

    __tablename__ = "debt_help"

    municipality: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    bsn: Mapped[str] = mapped_column(sa.String(9), primary_key=True)
    active_product: Mapped[bool]
    final_decision_on: Mapped[date | None]
    imported_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Review(Base):
    """A signal in the review queue (uitval, R-BRP-5), and once decided, the decision.

    The signal's personal data and its BRP candidates are kept only while the item is open,
    and no longer than the retention policy (R-MAT-5): an open item erased by it leaves the
    queue undecided.
    """

    __tablename__ = "reviews"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    queued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # When intake received the signal: a crisis item's deadline counts from it (R-FU-1).
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    kind: Mapped[str]
    arrears_type: Mapped[str]
    vlp_type: Mapped[str]
    # none_as_null: erased is SQL NULL, not the JSON value `null`.
    signal: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    candidate_bsns: Mapped[list[str] | None] = mapped_column(JSONB(none_as_null=True))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by: Mapped[str | None]
    choice: Mapped[str | None]
    chosen_bsn: Mapped[str | None] = mapped_column(sa.String(9))
    explanation: Mapped[str | None] = mapped_column(sa.Text)
    route: Mapped[str | None]
    # The W3C trace context of the signal's check: the decision continues the signal's trace.
    traceparent: Mapped[str | None] = mapped_column(sa.String(55))


class AuditEntry(Base):
    """Who read or decided what, and when (domain §10); never deleted, and updated only to
    erase the personal data in `details` when it falls due (R-MAT-5)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str]
    action: Mapped[str]
    signal_id: Mapped[uuid.UUID | None]  # none for what concerns no signal (an import)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)


_reviews = Base.metadata.tables["reviews"]
_audit = Base.metadata.tables["audit_log"]
# What an audit entry's details may name of a person: the BSNs shown or chosen, and the
# reviewer's free-text explanation. Who, when, what kind, choice, route and reasons stay.
# A literal, so that the partial index of migration 0005 matches the job's query.
_PERSONAL_DETAILS = sa.literal_column(
    "ARRAY['candidates_shown', 'bsn', 'explanation']", ARRAY(sa.Text)
)
# R-MAT-5, counted from when the item was queued (the copy belongs to no case here).
RETENTION = (
    Erasure(
        "brp-check.review-item",
        _reviews,
        erase=dict.fromkeys(["signal", "candidate_bsns", "chosen_bsn", "explanation"]),
        clock=_reviews.c.queued_at,
        municipality=_reviews.c.municipality,
    ),
    Erasure(
        "brp-check.audit-detail",
        _audit,
        erase={"details": _audit.c.details.op("-", return_type=JSONB)(_PERSONAL_DETAILS)},
        clock=_audit.c.at,
        municipality=_audit.c.municipality,
        holds=_audit.c.details.has_any(_PERSONAL_DETAILS),
    ),
)
