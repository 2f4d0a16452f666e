"""feedback's tables."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Feedback(Base):
    """One piece of feedback a creditor may receive on one of its signals."""

    __tablename__ = "feedback"
    __table_args__ = (sa.UniqueConstraint("signal_id", "feedback_type"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    signal_id: Mapped[uuid.UUID]
    vlp_id: Mapped[str] = mapped_column(index=True)
    vlp_reference: Mapped[str]
    municipality: Mapped[str] = mapped_column(sa.String(4))
    feedback_type: Mapped[str]
    # Only with NIET_OPGEPAKT: the reason code the creditor may hear.
    reason: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
