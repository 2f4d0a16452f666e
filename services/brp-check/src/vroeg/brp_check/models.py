"""brp-check's tables."""

from __future__ import annotations

import uuid
from datetime import datetime

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
