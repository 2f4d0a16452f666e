"""brp-check's HTTP bodies."""

from __future__ import annotations

from datetime import date
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from vroeg.shared.events import Route


class RouteOut(BaseModel):
    """Where a signal was routed and why; carries no personal data."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    signal_id: UUID
    route: Route
    reasons: list[str]


class DebtHelpRecord(BaseModel):
    """One resident known to debt help."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    bsn: str = Field(pattern=r"^[0-9]{9}$")
    active_product: bool = Field(
        description="An admitted product is running (incl. aftercare, budget management)."
    )
    final_decision_on: date | None = Field(
        default=None, description="Date of the last final decision (beschikking)."
    )


class DebtHelpImport(BaseModel):
    """A municipality's whole debt-help register; it replaces the previous import."""

    model_config = ConfigDict(extra="forbid")

    registraties: list[DebtHelpRecord] = Field(max_length=1_000_000)

    @model_validator(mode="after")
    def _one_record_per_resident(self) -> Self:
        bsns = [r.bsn for r in self.registraties]
        if len(set(bsns)) != len(bsns):
            raise ValueError("each BSN may occur once")
        return self


class DebtHelpImported(BaseModel):
    """The result of an import."""

    municipality: str
    count: int
