"""brp-check's HTTP bodies."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from vroeg.brp_check.rules import ReviewChoice
from vroeg.shared.events import (
    TEXT_PATTERN,
    Address,
    ArrearsType,
    MunicipalityCode,
    Person,
    Route,
    SignalKind,
    VlpType,
)


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


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ReviewItem(_Out):
    """A signal waiting for review: no personal data, only what orders and sorts the work."""

    signal_id: UUID
    municipality: MunicipalityCode
    queued_at: datetime
    received_at: datetime = Field(
        description="When the municipality's intake received the signal: deadlines count "
        "from its Dutch date (R-FU-1)."
    )
    reasons: list[str] = Field(examples=[["R-BRP-5: 2 candidates in the BRP"]])
    kind: SignalKind
    arrears_type: ArrearsType
    vlp_type: VlpType
    crisis: bool = Field(
        description="An announced disconnection or eviction (`AFSLUITING`, `UITHUISZETTING`): "
        "listed first, its deadline runs while it waits."
    )
    first_contact_due: date | None = Field(
        description="A crisis item's deadline: the last day for a first contact attempt with "
        "the resident, 3 working days after the day of receipt (Algemene termijnenwet: no "
        "weekends, general holidays or decreed days; R-FU-1), however long review takes. "
        "Null for other items.",
        examples=["2026-12-02"],
    )


class ReviewQueue(_Out):
    """The open items: crisis items first, then the others; each group oldest receipt first."""

    total: int = Field(description="How many items are open in the municipalities asked for.")
    items: list[ReviewItem]


class ReviewedSignal(_Out):
    """What the creditor said of the debtor; only what a reviewer needs to compare."""

    signal_date: date
    debtor: Person | None
    business_name: str | None
    address: Address


class Registration(_Out):
    """A municipality of registration."""

    code: str | None
    name: str | None


class Suspension(_Out):
    """Why the BRP stopped keeping the record (O: death, E: emigration, R: RNI, …)."""

    code: str | None
    description: str | None


class Candidate(_Out):
    """A BRP person the signal may be about."""

    bsn: str
    voornamen: str | None
    voorvoegsel: str | None
    geslachtsnaam: str | None
    geboortedatum: date | None
    registered_in: Registration
    address: dict[str, str] = Field(
        description="The BRP's `verblijfadres` (a Dutch address, or a foreign one's lines)."
    )
    suspension: Suspension | None
    found_by: list[str] = Field(
        description="`search`: the BRP query on the signal's name found this person; "
        "`address`: registered at the signal's address.",
        examples=[["search", "address"]],
    )


class DecisionOut(_Out):
    """A review decision: who, when, what and why, and the route it gave."""

    choice: ReviewChoice
    bsn: str | None
    explanation: str
    decided_by: str
    decided_at: datetime
    route: Route


class ReviewOut(ReviewItem):
    """One item: while open, the signal's data and the BRP's candidates; once decided, the
    decision (the personal data is then gone from the queue)."""

    signal: ReviewedSignal | None
    candidates: list[Candidate]
    decision: DecisionOut | None


Explanation = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, min_length=1, max_length=1000)]


class DecisionIn(BaseModel):
    """A reviewer's decision; `bsn` names the chosen candidate, and only for `candidate`."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        regex_engine="python-re",  # TEXT_PATTERN names surrogates
    )

    choice: ReviewChoice
    bsn: str | None = Field(default=None, pattern=r"^[0-9]{9}$")
    explanation: Explanation = Field(
        description="Why: recorded in the audit log.", examples=["Zelfde adres en voorletters."]
    )

    @model_validator(mode="after")
    def _bsn_only_for_a_candidate(self) -> Self:
        if (self.choice is ReviewChoice.CANDIDATE) != (self.bsn is not None):
            raise ValueError("`bsn` is required for `candidate`, and refused for other choices")
        return self
