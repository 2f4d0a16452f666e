"""feedback's HTTP bodies.

`FeedbackOut` is what a creditor receives, by polling and by webhook alike: its own reference,
a type from the closed set and the one detail that type may carry. No field can hold an
address, a municipality, contact details or anything learned in contact (§6).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from vroeg.feedback.rules import FeedbackType, NotTakenUpReason


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class FeedbackOut(_Out):
    """Feedback as a creditor receives it: its own reference and a type from the closed set."""

    id: UUID = Field(description="This feedback's own id (the same in a webhook and a poll).")
    signal_id: UUID = Field(description="The signal it is about, as intake answered it.")
    vlp_reference: str | None = Field(
        default=None,
        description="The creditor's own reference of the signal; gone after the retention "
        "period (R-MAT-5).",
    )
    feedback_type: FeedbackType
    reason: NotTakenUpReason | None = Field(
        default=None, description="Only with NIET_OPGEPAKT: why the signal was not taken up."
    )
    doorgestuurd: bool | None = Field(
        default=None,
        description="Only with NIET_WOONACHTIG: whether the signal went to the municipality "
        "where the debtor lives now (Awb 2:3) — never which one.",
    )
    collection_paused_until: date | None = Field(
        default=None,
        description="Only with HULP_GEACCEPTEERD: the last day the creditor pauses collection "
        "(30 days, R-FU-5).",
    )
    created_at: datetime


class FeedbackPage(_Out):
    """A page of the caller's feedback in a stable order; ask again with `after=cursor`."""

    items: list[FeedbackOut]
    cursor: str | None = Field(
        description="Where the next page starts (pass as `after`); the same as `after` when "
        "nothing new has come. Opaque."
    )
