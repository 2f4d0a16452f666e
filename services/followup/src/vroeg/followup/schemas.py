"""followup's HTTP bodies."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class DeadlineOut(BaseModel):
    """A case's first-contact deadline."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    case_id: UUID
    opened_on: date
    due_date: date
    working_days: int
    crisis: bool
