"""matcher's HTTP bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

from vroeg.shared.events import (
    ArrearsType,
    CaseFlag,
    CaseStatus,
    OutcomeCategory,
    OutcomeDetail,
    RepeatKind,
    Route,
    ScorePart,
    SignalKind,
    VlpType,
)


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class CaseSignalOut(_Body):
    """One signal of a case, with the personal data the case worker needs (until erased)."""

    signal_id: UUID
    vlp_id: str
    vlp_type: VlpType
    kind: SignalKind
    arrears_type: ArrearsType
    route: Route
    amount: Decimal
    signal_date: date
    oldest_due_date: date
    received_at: datetime
    repeat_of: UUID | None
    repeat_kind: RepeatKind | None
    # None once erased (R-MAT-5).
    debtor: dict[str, Any] | None
    business_name: str | None
    address: dict[str, Any] | None
    phone: str | None
    email: str | None


class HouseholdOut(_Body):
    """The household at the address as the BRP showed it (§5.5)."""

    size: int | None
    minors_present: bool | None
    postcode_area: str


class EarlierCaseOut(_Body):
    """An earlier case of the same address (R-MAT-3) and how it ended."""

    id: UUID
    opened_at: datetime
    status: CaseStatus
    closed_at: datetime | None
    outcome: OutcomeCategory | None
    outcome_detail: OutcomeDetail | None


class RecidiveOut(_Body):
    """R-MAT-3: recidive (6 months) and consecutive (2 months), and the case that made it."""

    recidive: bool
    consecutive: bool
    previous_case_id: UUID | None
    previous_outcome: OutcomeCategory | None
    history: list[EarlierCaseOut]


class PriorityOut(_Body):
    """R-MAT-4: crisis first, then the score, its parts, and the policy version behind it."""

    crisis: bool
    score: Decimal
    parts: list[ScorePart]
    policy_version: int


class CaseOut(_Body):
    """A case for the case worker: its signals, household, recidive history and priority."""

    id: UUID
    municipality: str
    status: CaseStatus
    version: int
    crisis: bool
    flags: list[CaseFlag]
    first_signal_date: date
    last_signal_date: date
    opened_at: datetime
    offer_owed: bool
    signals: list[CaseSignalOut]
    household: HouseholdOut
    recidive: RecidiveOut
    priority: PriorityOut


Weight = Annotated[Decimal, Field(ge=0, le=1000, max_digits=8, decimal_places=2)]
PostcodeArea = Annotated[str, StringConstraints(pattern=r"^[1-9]\d{3}$")]


class PriorityWeights(_Body):
    """R-MAT-4's weights: points per unit measured."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    per_creditor_type: Weight = Decimal(10)
    per_100_euro: Weight = Decimal(1)
    arrears_cap_euro: Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2)] = Decimal(
        5000
    )
    rent: Weight = Decimal(15)
    minors: Weight = Decimal(15)
    per_month_oldest_claim: Weight = Decimal(2)
    oldest_claim_cap_months: Annotated[int, Field(ge=0, le=120)] = 12
    recidive: Weight = Decimal(10)
    vulnerable_area: Weight = Decimal(10)


class PriorityPolicyIn(_Body):
    """A municipality's priority policy: weights and vulnerable postcode areas (§5.7)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    weights: PriorityWeights = Field(default_factory=PriorityWeights)
    vulnerable_areas: Annotated[list[PostcodeArea], Field(max_length=10_000)] = Field(
        default_factory=list
    )


class PriorityWeightsOut(_Body):
    """R-MAT-4's weights in force."""

    per_creditor_type: Decimal
    per_100_euro: Decimal
    arrears_cap_euro: Decimal
    rent: Decimal
    minors: Decimal
    per_month_oldest_claim: Decimal
    oldest_claim_cap_months: int
    recidive: Decimal
    vulnerable_area: Decimal


class PriorityPolicyOut(_Body):
    """The policy in force, and its version (0: the national default)."""

    municipality: str
    version: int
    weights: PriorityWeightsOut
    vulnerable_areas: list[str]
