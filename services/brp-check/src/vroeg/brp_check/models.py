"""brp-check's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Check(Base):
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

    The signal's personal data and its BRP candidates are kept only while the item is open.
    """

    __tablename__ = "reviews"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    queued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
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
    """Who read or decided what, and when (domain §10); never updated, never deleted here."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str]
    action: Mapped[str]
    signal_id: Mapped[uuid.UUID]
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)
