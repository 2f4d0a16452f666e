"""reporting's tables."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Counter(Base):
    """An aggregate count per municipality: no personal data, kept after erasure."""

    __tablename__ = "counters"

    municipality: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    metric: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)
