"""brp-check's HTTP bodies."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from vroeg.shared.events import Route


class RouteOut(BaseModel):
    """Where a signal was routed and why; carries no personal data."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    signal_id: UUID
    route: Route
    reasons: list[str]
