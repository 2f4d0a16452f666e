"""Every event the services exchange: one typed, versioned definition each.

Facts are named in the past tense. Each event carries its id, its municipality and when it
happened; the trace context travels beside it in the message headers (see `cloudevents`).
A change that breaks a consumer gets a new `event_version`, never an edit in place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
# Printable text: no control characters (PostgreSQL cannot store NUL) and no lone surrogates
# (not encodable as UTF-8). Every free-text field of the platform is of this type.
TEXT_PATTERN = r"^[^\x00-\x1F\x7F\uD800-\uDFFF]*$"

Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=200)]
Name = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, min_length=1, max_length=200)]
Reference = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, min_length=1, max_length=100)]

Postcode = Annotated[str, StringConstraints(pattern=r"^[1-9]\d{3}[A-Z]{2}$")]


class SignalKind(StrEnum):
    """Kinds of signal (domain §3)."""

    VROEGSIGNAAL = "VROEGSIGNAAL"
    EINDELEVERING = "EINDELEVERING"
    AFSLUITING = "AFSLUITING"
    UITHUISZETTING = "UITHUISZETTING"
    CAK_WANBETALER = "CAK_WANBETALER"


CRISIS_KINDS = frozenset({SignalKind.AFSLUITING, SignalKind.UITHUISZETTING})


class ArrearsType(StrEnum):
    """What the arrears are for (domain §3)."""

    HUUR = "HUUR"
    DRINKWATER = "DRINKWATER"
    ZORGVERZEKERING = "ZORGVERZEKERING"
    ELEKTRICITEIT = "ELEKTRICITEIT"
    GAS = "GAS"
    WARMTE = "WARMTE"


class VlpType(StrEnum):
    """Kinds of creditor (domain §2)."""

    HUUR = "HUUR"
    DRINKWATER = "DRINKWATER"
    ZORGVERZEKERING = "ZORGVERZEKERING"
    ENERGIE = "ENERGIE"
    WARMTE = "WARMTE"


class Route(StrEnum):
    """Where the BRP check sends a signal (domain §5)."""

    RESIDENT = "resident"
    RELOCATED = "relocated"
    EMIGRATED = "emigrated"
    DECEASED = "deceased"
    MINOR = "minor"
    DEBT_HELP = "debt-help"
    REVIEW = "review"
    # A reviewer found the debtor to be a legal person (R-BRP-5, R-IN-3): not processed.
    LEGAL_PERSON = "legal-person"


class CaseFlag(StrEnum):
    """Marks on a case that change how it is followed up (R-BRP-2, R-BRP-3)."""

    OVERLEDEN = "OVERLEDEN"
    MINDERJARIG = "MINDERJARIG"


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
    # Provenance of a signal another municipality forwarded here (Awb 2:3).
    forwarded_by: MunicipalityCode | None = None


class RefusalReason(StrEnum):
    """Why intake did not take a signal up (domain §4); told to the creditor, nothing more."""

    TERMIJN = "TERMIJN"
    SOCIALE_INCASSO = "SOCIALE_INCASSO"
    RECHTSPERSOON = "RECHTSPERSOON"
    ONDER_DREMPEL = "ONDER_DREMPEL"


class Household(_Value):
    """The household at the signal's address, as the BRP shows it."""

    address_key: str
    size: int = Field(ge=0)
    minors_present: bool


class Event(BaseModel):
    """Base of every event: id, municipality, time; type and version name the schema."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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


class SignalReceived(Event):
    """Intake accepted a signal from a creditor."""

    event_type: ClassVar[str] = "signal.received"
    event_version: ClassVar[int] = 1

    signal: SignalData

    def partition_key(self) -> str:
        return str(self.signal.signal_id)


class SignalRefused(Event):
    """Intake did not take a signal up (R-IN-1 … R-IN-4); carries no personal data."""

    event_type: ClassVar[str] = "signal.refused"
    event_version: ClassVar[int] = 1

    signal_id: UUID
    vlp_id: str
    vlp_reference: str
    reason: RefusalReason
    rule: str
    policy_version: int

    def partition_key(self) -> str:
        return str(self.signal_id)


class SignalRouted(Event):
    """The BRP check decided where a signal goes (R-BRP-0 … R-BRP-5)."""

    event_type: ClassVar[str] = "signal.routed"
    event_version: ClassVar[int] = 1

    route: Route
    reasons: tuple[str, ...]
    signal: SignalData
    household: Household | None = None
    # Only for `relocated`: where to forward the signal. Never told to the creditor (§6).
    registered_municipality: MunicipalityCode | None = None

    def partition_key(self) -> str:
        # Keyed by household so one household's signals are handled in order downstream.
        return self.household.address_key if self.household else str(self.signal.signal_id)


class CaseOpened(Event):
    """The matcher opened a case (melding) for a household (R-MAT-1, R-MAT-2)."""

    event_type: ClassVar[str] = "case.opened"
    event_version: ClassVar[int] = 1

    case_id: UUID
    household_key: str
    signal_ids: tuple[UUID, ...]
    kinds: tuple[SignalKind, ...]
    arrears_types: tuple[ArrearsType, ...]
    flags: tuple[CaseFlag, ...] = ()
    crisis: bool

    def partition_key(self) -> str:
        return str(self.case_id)


class FirstContactDeadlineSet(Event):
    """Follow-up fixed the date by which the first contact attempt is due (R-FU-1)."""

    event_type: ClassVar[str] = "case.first-contact-deadline-set"
    event_version: ClassVar[int] = 1

    case_id: UUID
    due_date: date
    working_days: int
    opened_on: date

    def partition_key(self) -> str:
        return str(self.case_id)


class KeyHolderKind(StrEnum):
    """Who can hold a creditor API key: a creditor, or a municipality that forwards signals."""

    VLP = "VLP"
    MUNICIPALITY = "MUNICIPALITY"


class CreditorKeyChanged(Event):
    """intake's administration issued or revoked an API key: the key's whole state, so the
    latest event per key is all a service needs (its topic is compacted). Carries the SHA-256
    of the secret, never the secret."""

    event_type: ClassVar[str] = "creditor-key.changed"
    event_version: ClassVar[int] = 1

    key_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
    holder_kind: KeyHolderKind
    holder_id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    vlp_type: VlpType | None = None
    secret_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    # The client certificate the key is bound to (mutual TLS), if any.
    client_cert_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    issued_at: AwareDatetime
    revoked_at: AwareDatetime | None = None

    def partition_key(self) -> str:
        return self.key_id


EVENT_CLASSES: tuple[type[Event], ...] = (
    SignalReceived,
    SignalRefused,
    SignalRouted,
    CaseOpened,
    FirstContactDeadlineSet,
    CreditorKeyChanged,
)
EVENT_TYPES: dict[str, type[Event]] = {cls.cloudevents_type(): cls for cls in EVENT_CLASSES}


def now_utc() -> datetime:
    """The current time, aware; for edges only (rules take `now` as an argument)."""
    return datetime.now(UTC)
