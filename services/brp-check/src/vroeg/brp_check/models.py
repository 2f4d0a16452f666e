"""brp-check's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime

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
