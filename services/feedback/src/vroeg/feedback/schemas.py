"""feedback's HTTP bodies."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from vroeg.feedback.rules import FeedbackType, NotTakenUpReason


class FeedbackOut(BaseModel):
    """Feedback as a creditor receives it: its own reference and a type from the closed set."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    signal_id: UUID
    vlp_reference: str | None = None  # erased after the retention policy (R-MAT-5)
    feedback_type: FeedbackType
    reason: NotTakenUpReason | None = None
    created_at: datetime
