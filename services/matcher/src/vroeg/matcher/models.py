"""matcher's tables."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Case(Base):
    """A melding: one household's signals, followed up once (R-MAT-1)."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    household_key: Mapped[str]
    status: Mapped[str]
    crisis: Mapped[bool]
    flags: Mapped[list[str]] = mapped_column(JSONB)
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class CaseSignal(Base):
    """A signal in a case."""

    __tablename__ = "case_signals"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.id"))
    vlp_id: Mapped[str]
    kind: Mapped[str]
    arrears_type: Mapped[str]
    route: Mapped[str]
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
