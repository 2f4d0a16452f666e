"""intake's HTTP bodies (camelCase on the wire, NL GOV API Design Rules)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    model_validator,
)
from pydantic.alias_generators import to_camel

from vroeg.intake.rules import Attestation
from vroeg.shared.events import (
    Address,
    ArrearsType,
    MunicipalityCode,
    Name,
    Person,
    Reference,
    RefusalReason,
    SignalKind,
    VlpType,
)

MAX_BATCH = 10_000
# A batch's own body cap: MAX_BATCH records of a few KiB each (every other route: 1 MiB).
MAX_BATCH_BODY_BYTES = 32 * 1024 * 1024
VLP_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,63}$"
# A positive amount in euros with at most two decimals, as a string (no float rounding).
AMOUNT_PATTERN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,9}(\.[0-9]{1,2})?)$"


class _Body(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        regex_engine="python-re",  # TEXT_PATTERN names surrogates
    )


class SocialCollection(_Body):
    """What the creditor did before signalling (R-IN-2, guideline §2.2)."""

    written_reminder: bool = Field(default=False, description="(a) at least one written reminder")
    personal_contact_attempt: bool = Field(
        default=False, description="(b) an attempt at personal contact"
    )
    debt_help_referral: bool = Field(default=False, description="(c) pointed to debt help")
    data_sharing_offer: bool = Field(
        default=False, description="(d) offered to pass the data to the municipality"
    )

    def given(self) -> frozenset[Attestation]:
        """The attestations given."""
        return frozenset(a for a in Attestation if getattr(self, _FIELD_OF[a]))


_FIELD_OF = {
    Attestation.WRITTEN_REMINDER: "written_reminder",
    Attestation.PERSONAL_CONTACT_ATTEMPT: "personal_contact_attempt",
    Attestation.DEBT_HELP_REFERRAL: "debt_help_referral",
    Attestation.DATA_SHARING_OFFER: "data_sharing_offer",
}

EXAMPLE_SIGNAL: dict[str, Any] = {
    "vlpReference": "WS-2026-000123",
    "municipality": "0363",
    "kind": "VROEGSIGNAAL",
    "arrearsType": "HUUR",
    "signalDate": "2026-11-27",
    "debtor": {"voornamen": "Piet", "geslachtsnaam": "Jansen", "geboortedatum": "1980-05-01"},
    "address": {
        "straat": "Dorpsstraat",
        "huisnummer": 1,
        "postcode": "1012AB",
        "woonplaats": "Amsterdam",
    },
    "phone": "0612345678",
    "amount": "412.50",
    "oldestDueDate": "2026-09-01",
    "unpaidInstallments": 2,
    "socialCollection": {
        "writtenReminder": True,
        "personalContactAttempt": True,
        "debtHelpReferral": True,
        "dataSharingOffer": True,
    },
}


NAMES_A_DEBTOR: list[JsonValue] = [{"required": ["debtor"]}, {"required": ["businessName"]}]


class SignalIn(_Body):
    """One signal as a creditor delivers it. Only the fields R-IN-6 allows; others are refused."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [EXAMPLE_SIGNAL], "anyOf": NAMES_A_DEBTOR}
    )

    vlp_reference: Reference = Field(description="The creditor's own id of this signal.")
    municipality: MunicipalityCode = Field(description="CBS code of the target municipality.")
    kind: SignalKind
    arrears_type: ArrearsType
    signal_date: date
    debtor: Person | None = Field(default=None, description="The debtor, if a natural person.")
    business_name: Name | None = Field(default=None, description="The debtor's business name.")
    address: Address
    phone: str | None = Field(default=None, max_length=30, pattern=r"^\+?[0-9 ()-]{6,30}$")
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[!-?A-~]+@[!-?A-~]+\.[!-?A-~]+$"
    )
    amount: str = Field(
        pattern=AMOUNT_PATTERN,
        description="The arrears in euros, more than zero, as a decimal string.",
        examples=["412.50"],
    )
    oldest_due_date: date
    unpaid_installments: int | None = Field(default=None, ge=0, le=1000)
    social_collection: SocialCollection = Field(default_factory=SocialCollection)

    @model_validator(mode="after")
    def _names_a_debtor(self) -> Self:
        if self.debtor is None and self.business_name is None:
            raise ValueError("give the debtor (a person) or a businessName, or both")
        return self


API_KEY_PATTERN = r"^vroeg_[0-9a-f]{16}\.[A-Za-z0-9_-]{20,100}$"


class OriginalVlp(_Body):
    """The creditor that first delivered a forwarded signal."""

    id: str = Field(pattern=VLP_ID_PATTERN)
    type: VlpType


class ForwardedSignalIn(SignalIn):
    """A signal another municipality forwards here (Awb 2:3), with its original creditor."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **EXAMPLE_SIGNAL,
                    "originalVlp": {"id": "woonstad", "type": "HUUR"},
                    "originalReceivedAt": "2026-11-27T09:30:00+01:00",
                }
            ],
            "anyOf": NAMES_A_DEBTOR,
        }
    )

    original_vlp: OriginalVlp
    original_received_at: AwareDatetime = Field(
        description="When the forwarding municipality's intake received the signal (provenance; "
        "deadlines here count from this intake's own receipt, R-FU-1)."
    )


class SignalStatus(StrEnum):
    """Where a delivered signal stands at intake."""

    ONTVANGEN = "ONTVANGEN"  # taken up: on its way to the BRP check
    NIET_OPGEPAKT = "NIET_OPGEPAKT"  # refused by a rule; `reason` says which
    CAK_ONTVANGEN = "CAK_ONTVANGEN"  # a CAK registration, kept apart from vroegsignalering


class SignalResult(_Body):
    """The outcome of one delivered signal."""

    id: UUID
    vlp_reference: str
    status: SignalStatus
    reason: RefusalReason | None = None
    policy_version: int | None = Field(
        default=None, description="The municipality's policy version that decided."
    )


class SignalOut(SignalResult):
    """A signal as its creditor may read it back."""

    municipality: str
    received_at: datetime
    forwarded_by: str | None = None
    original_received_at: datetime | None = None


class RecordStatus(StrEnum):
    """The outcome of one record of a batch."""

    ONTVANGEN = "ONTVANGEN"
    NIET_OPGEPAKT = "NIET_OPGEPAKT"
    CAK_ONTVANGEN = "CAK_ONTVANGEN"
    ONGELDIG = "ONGELDIG"  # not a valid signal or not allowed: nothing stored


class RecordError(_Body):
    """Why a record was not valid."""

    name: str
    code: str
    reason: str


class RecordResult(_Body):
    """One record's result, by its position in the batch."""

    index: int
    vlp_reference: str | None = None
    status: RecordStatus
    id: UUID | None = None
    reason: RefusalReason | None = None
    errors: list[RecordError] | None = None


class BatchOut(_Body):
    """A batch's results: per record, in the order delivered."""

    id: UUID
    received_at: datetime
    total: int
    ontvangen: int
    niet_opgepakt: int
    ongeldig: int
    results: list[RecordResult]


class VlpIn(_Body):
    """A creditor to register."""

    id: str = Field(pattern=VLP_ID_PATTERN, examples=["woonstad"])
    name: Name = Field(examples=["Woonstad Rotterdam"])
    type: VlpType


class VlpOut(VlpIn):
    """A registered creditor."""


class KeyIn(_Body):
    """Options of a new API key."""

    client_cert_sha256: str | None = Field(
        default=None,
        pattern=r"^([0-9a-fA-F]{64}|([0-9a-fA-F]{2}:){31}[0-9a-fA-F]{2})$",
        description="Require this client certificate (mutual TLS) with the key.",
    )


class KeyOut(_Body):
    """A new API key: shown once, stored only as a hash."""

    key_id: str
    api_key: str


class AgreementIn(_Body):
    """An agreement's period; `endsOn` open means in force until changed."""

    starts_on: date
    ends_on: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("endsOn is before startsOn")
        return self


class AgreementOut(AgreementIn):
    """An agreement between a creditor and a municipality."""

    vlp_id: str
    municipality: str


class PolicyIn(_Body):
    """A municipality's intake policy; saving it makes a new version."""

    thresholds: dict[ArrearsType, Decimal] = Field(
        default_factory=dict, description="Drempelbedrag per arrears type (R-IN-4)."
    )
    required_attestations: dict[VlpType, list[Attestation]] = Field(
        default_factory=dict,
        description="Attestations required per creditor type (R-IN-2); unset types keep "
        "the national default.",
    )


class PolicyOut(_Body):
    """A policy version in force."""

    municipality: str
    version: int
    thresholds: dict[ArrearsType, Decimal]
    required_attestations: dict[VlpType, list[Attestation]]


class TenantIn(_Body):
    """A municipality's entry in the tenant registry (domain §10): served here, or served by
    the vroeg deployment whose intake is at `intakeUrl`. `apiKeys` are write-only: the keys this
    deployment presents at that intake when it forwards a signal (Awb 2:3), per forwarding
    municipality; they are never returned."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"servedHere": True},
                {
                    "servedHere": False,
                    "intakeUrl": "https://vroeg.utrecht.example/",
                    "apiKeys": {"0363": "vroeg_0123456789abcdef.s3cr3t-s3cr3t-s3cr3t-s3cr3t"},
                },
            ]
        }
    )

    served_here: bool = Field(description="Whether this deployment serves the municipality.")
    intake_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https?://[!-~]+$",
        description="The base URL of the intake that serves it (required unless served here; "
        "for a municipality served here, this deployment's own intake, to forward to it).",
    )
    ca_certificate: str | None = Field(
        default=None,
        min_length=1,
        max_length=20_000,
        pattern=r"^[ -~\r\n\t]+$",  # PEM is ASCII
        description="PEM of the CA certificate to trust at that intake (default: the system's).",
    )
    feedback_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https?://[!-~]+$",
        description="The base URL of that deployment's feedback service, where this one polls "
        "the feedback on the signals it forwarded there (with the same key and CA).",
    )
    api_keys: (
        dict[MunicipalityCode, Annotated[str, StringConstraints(pattern=API_KEY_PATTERN)]] | None
    ) = Field(
        default=None,
        max_length=1000,
        description="Write-only. Forwarding municipality (served here) → the vroeg API key "
        "(`vroeg_<id>.<secret>`) it presents at that intake. Omitted: the keys set before are "
        "kept (so an entry's address can be changed without sending its keys again). An "
        "object replaces them all; `{}` or `null` removes them all.",
    )


class TenantOut(_Body):
    """A registry entry as operators read it: which keys are set, never the keys."""

    municipality: str
    served_here: bool
    intake_url: str | None = None
    ca_certificate: str | None = None
    feedback_url: str | None = None
    api_keys_for: list[str] = Field(
        description="The forwarding municipalities that have a key set at that intake."
    )
    changed_at: datetime


class ServedOut(_Body):
    """Which of the caller's municipalities this deployment serves."""

    municipalities: list[str] = Field(
        description="The CBS codes in the caller's `gemeenten` claim that the tenant registry "
        "serves here, sorted; a claimed municipality served elsewhere, or not at all, is left out."
    )
