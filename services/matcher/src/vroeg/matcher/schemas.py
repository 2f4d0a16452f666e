"""matcher's HTTP bodies."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from vroeg.shared.events import CaseFlag


class CaseOut(BaseModel):
    """A case without personal data: status, crisis, flags and size."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    id: UUID
    municipality: str
    status: str
    crisis: bool
    flags: list[CaseFlag]
    signal_count: int
