"""The webhooks' HTTP bodies (the body each delivery carries is `FeedbackOut`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

VLP_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class WebhookIn(_Model):
    """Where the creditor wants its feedback pushed."""

    url: str = Field(
        min_length=1,
        max_length=2048,
        description="An https URL (http only in development and test); no credentials in it.",
        examples=["https://incasso.example.nl/vroeg/terugkoppeling"],
    )


class WebhookOut(_Model):
    """A creditor's endpoint; the secret only once, when it was made or rotated."""

    url: str
    secret: str | None = Field(
        default=None,
        description="The Standard Webhooks signing secret (`whsec_…`): shown only in the answer "
        "that made it; verify `webhook-signature` with it.",
    )
    previous_secret_valid_until: datetime | None = Field(
        default=None,
        description="Until when deliveries are also signed with the secret before the last "
        "rotation.",
    )
    updated_at: datetime


class DeadLetterOut(_Model):
    """A delivery parked after the retry policy ran out; nothing of its body."""

    id: UUID = Field(description="The feedback's id, sent as `webhook-id`.")
    vlp_id: str
    attempts: int
    last_status: int | None = Field(description="The endpoint's last HTTP status, if any.")
    last_error: str | None = Field(description="What went wrong on the last attempt.")
    created_at: datetime
    dead_at: datetime | None
    replayable: bool = Field(description="False once its body was erased (R-MAT-5).")


class ReplayIn(_Model):
    """Whose parked deliveries to replay."""

    vlp_id: str = Field(pattern=VLP_ID_PATTERN)


class ReplayOut(_Model):
    """How many parked deliveries were put back to be delivered."""

    replayed: int
