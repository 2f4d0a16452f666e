"""The base of every event, and the values events carry (a person, an address, a signal's
data, a household, a case's state).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from vroeg.shared.events.vocabulary import (
    TEXT_PATTERN,
    ArrearsType,
    Attestation,
    CaseChangeKind,
    CaseFlag,
    CaseStatus,
    MunicipalityCode,
    Name,
    OutcomeCategory,
    OutcomeDetail,
    Postcode,
    RepeatKind,
    Route,
    SignalKind,
    Text,
    VlpType,
)


class _Value(BaseModel):
    # Python's regex engine: Rust's (pydantic's default) cannot name surrogates (TEXT_PATTERN).
    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")


class Person(_Value):
    """The debtor as the creditor knows them (R-IN-6: nothing more)."""

    voornamen: Text | None = None
    voorvoegsel: Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=20)] | None = (
        None
    )
    geslachtsnaam: Name
    geboortedatum: date | None = None


class Address(_Value):
    """A Dutch address as delivered by the creditor."""

    straat: Text | None = None
    huisnummer: int = Field(ge=1, le=99999)
    huisletter: str | None = Field(default=None, pattern=r"^[A-Za-z]$")
    toevoeging: str | None = Field(default=None, pattern=r"^[A-Za-z0-9 ]{1,4}$")
    postcode: Postcode
    woonplaats: Text | None = None


class SignalData(_Value):
    """The content of one accepted signal, as every downstream service sees it."""

    signal_id: UUID
    vlp_id: str
    vlp_type: VlpType
    vlp_reference: str
    kind: SignalKind
    arrears_type: ArrearsType
    signal_date: date
    debtor: Person | None = None
    business_name: str | None = None
    address: Address
    phone: str | None = None
    email: str | None = None
    amount: Decimal
    oldest_due_date: date
    unpaid_installments: int | None = None
    # The social-collection steps the creditor attested (R-IN-2): a forward (Awb 2:3) passes
    # them on, so the competent municipality applies its own policy to them.
    social_collection: tuple[Attestation, ...] = ()
    # Provenance of a signal another municipality forwarded here (Awb 2:3).
    forwarded_by: MunicipalityCode | None = None
    # When this municipality's intake received it: every deadline counts from it (R-FU-1).
    received_at: AwareDatetime


class Household(_Value):
    """The household at the signal's address, as the BRP shows it."""

    address_key: str
    size: int = Field(ge=0)
    minors_present: bool


class Event(BaseModel):
    """Base of every event: id, municipality, time; type and version name the schema."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    event_type: ClassVar[str]
    event_version: ClassVar[int]

    id: UUID = Field(default_factory=uuid4)
    municipality: MunicipalityCode
    occurred_at: AwareDatetime

    @classmethod
    def cloudevents_type(cls) -> str:
        """The CloudEvents `type` attribute: name and version together."""
        return f"nl.vroeg.{cls.event_type}.v{cls.event_version}"

    def partition_key(self) -> str:
        """What orders this event on its topic; events with one key are handled in order."""
        return str(self.id)


class CaseSignalFact(_Value):
    """One signal of a case, without personal data (contracts.md: a lean fact)."""

    signal_id: UUID
    vlp_id: str
    vlp_type: VlpType
    kind: SignalKind
    arrears_type: ArrearsType
    route: Route
    amount: Decimal
    signal_date: date
    oldest_due_date: date
    received_at: AwareDatetime
    # R-IN-5: a later signal on the same debt owes no new help offer.
    repeat_of: UUID | None = None
    repeat_kind: RepeatKind | None = None


class ScorePart(_Value):
    """One part of a case's priority score (R-MAT-4): what was measured and what it weighs."""

    name: str
    measured: Decimal
    points: Decimal


class Priority(_Value):
    """R-MAT-4: crisis cases first, then the score; its parts are served, not only the sum."""

    crisis: bool
    score: Decimal
    parts: tuple[ScorePart, ...]
    # The municipality's priority policy that made the score (0: the national default).
    policy_version: int


class EarlierCase(_Value):
    """An earlier case of the same address (R-MAT-3), with how it ended."""

    case_id: UUID
    last_received_at: AwareDatetime
    status: CaseStatus
    outcome: OutcomeCategory | None = None
    outcome_detail: OutcomeDetail | None = None


class CaseState(_Value):
    """Everything the matcher knows of a case that others may read: no names, no addresses."""

    status: CaseStatus
    # Bumped with every change: a consumer keeps the highest it has seen.
    version: int = Field(ge=1)
    signals: tuple[CaseSignalFact, ...]
    crisis: bool
    flags: tuple[CaseFlag, ...]
    # The matching period (R-MAT-2): the first and last signal date.
    first_signal_date: date
    last_signal_date: date
    # When the first of its signals was received: the case's opening moment (R-MAT-3).
    opened_at: AwareDatetime
    household_size: int | None = None
    minors_present: bool | None = None
    postcode_area: Annotated[str, StringConstraints(pattern=r"^[1-9]\d{3}$")]
    # R-MAT-3: an earlier case of the address within 6 months (recidive), 2 months (consecutive).
    recidive: bool
    consecutive: bool
    previous_case: EarlierCase | None = None
    priority: Priority
    # R-IN-5: a case whose every signal is a repeat owes no new help offer.
    offer_owed: bool


class CaseChange(_Value):
    """One change and why it happened."""

    kind: CaseChangeKind
    why: str
    signal_id: UUID | None = None
