"""intake's tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Signal(Base):
    """An accepted signal; `data` holds the personal data R-IN-6 allows, nothing more."""

    __tablename__ = "signals"
    __table_args__ = (sa.UniqueConstraint("vlp_id", "vlp_reference"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    vlp_id: Mapped[str]
    vlp_reference: Mapped[str]
    municipality: Mapped[str] = mapped_column(sa.String(4))
    kind: Mapped[str]
    arrears_type: Mapped[str]
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
