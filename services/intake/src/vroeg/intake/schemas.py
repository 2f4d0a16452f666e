"""intake's HTTP bodies (camelCase on the wire, NL GOV API Design Rules)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from vroeg.shared.events import Address, ArrearsType, MunicipalityCode, Person, SignalKind, VlpType


class _Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class SignalIn(_Body):
    """One signal as a creditor (VLP) delivers it. Unknown fields are refused (R-IN-6)."""

    vlp_id: str = Field(min_length=1, max_length=64, description="The delivering creditor.")
    vlp_type: VlpType
    vlp_reference: str = Field(
        min_length=1, max_length=100, description="The creditor's own id of this signal."
    )
    municipality: MunicipalityCode = Field(description="CBS code of the target municipality.")
    kind: SignalKind
    arrears_type: ArrearsType
    signal_date: date
    debtor: Person
    business_name: str | None = Field(default=None, max_length=200)
    address: Address
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=254)
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    oldest_due_date: date
    unpaid_installments: int | None = Field(default=None, ge=0)


class SignalAccepted(_Body):
    """The result of a delivery: the signal's id in this platform."""

    id: UUID
    status: Literal["ONTVANGEN"] = "ONTVANGEN"
