"""feedback's tables."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
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
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


_feedback = Base.metadata.tables["feedback"]
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
)
