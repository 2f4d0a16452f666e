"""followup's tables."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Deadline(Base):
    """When a case's first contact attempt is due (R-FU-1)."""

    __tablename__ = "first_contact_deadlines"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    opened_on: Mapped[date]
    due_date: Mapped[date]
    working_days: Mapped[int]
    crisis: Mapped[bool]
