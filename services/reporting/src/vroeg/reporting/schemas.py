"""reporting's HTTP bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from vroeg.shared.events import (
    ContactKind,
    ForwardingOutcome,
    MunicipalityCode,
    RefusalReason,
    Route,
)


class Counts(BaseModel):
    """Running totals of one municipality."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    municipality: MunicipalityCode
    signalen: int = Field(description="Vroegsignalen taken up (CAK registrations never count).")
    niet_opgepakt: dict[RefusalReason, int] = Field(
        description="Signals not taken up, per reason code (R-IN-1 … R-IN-4)."
    )
    routes: dict[Route, int] = Field(description="Signals per BRP route.")
    meldingen: int = Field(description="Cases opened.")
    crisismeldingen: int
    termijnen_gezet: int = Field(description="Cases with a first-contact deadline.")
    termijnen_gehaald: int = Field(description="Cases a person picked up by their deadline.")
    termijnen_te_laat_gehaald: int = Field(description="Cases picked up after their deadline.")
    termijnen_gemist: int = Field(description="Deadlines that passed without a person's attempt.")
    contactpogingen: dict[ContactKind, int] = Field(
        description="Contact attempts per kind (R-FU-2), automatic ones included."
    )
    doorgestuurd: dict[ForwardingOutcome, int] = Field(
        description="Relocated signals forwarded to the competent municipality (Awb 2:3), or "
        "not and why, per outcome."
    )
