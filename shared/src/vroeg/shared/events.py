"""Every event the services exchange: one typed, versioned definition each.

Facts are named in the past tense. Each event carries its id, its municipality and when it
happened; the trace context travels beside it in the message headers (see `cloudevents`).
A change that breaks a consumer gets a new `event_version`, never an edit in place.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from vroeg.shared.clock import dutch_date

MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
# Printable text: no control characters (PostgreSQL cannot store NUL) and no lone surrogates
# (not encodable as UTF-8). Every free-text field of the platform is of this type.
TEXT_PATTERN = r"^[^\x00-\x1F\x7F\uD800-\uDFFF]*$"

Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=200)]
Name = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, min_length=1, max_length=200)]
Reference = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, min_length=1, max_length=100)]

Postcode = Annotated[str, StringConstraints(pattern=r"^[1-9]\d{3}[A-Z]{2}$")]
Bsn = Annotated[str, StringConstraints(pattern=r"^\d{9}$")]


class SignalKind(StrEnum):
    """Kinds of signal (domain §3)."""

    VROEGSIGNAAL = "VROEGSIGNAAL"
    EINDELEVERING = "EINDELEVERING"
    AFSLUITING = "AFSLUITING"
    UITHUISZETTING = "UITHUISZETTING"
    CAK_WANBETALER = "CAK_WANBETALER"


CRISIS_KINDS = frozenset({SignalKind.AFSLUITING, SignalKind.UITHUISZETTING})
# R-FU-1: a crisis signal is picked up within 3 working days of receipt (a water disconnection
# by law, the other crisis kinds by municipal policy, on by default).
CRISIS_FIRST_CONTACT_WORKING_DAYS = 3


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
    """Marks on a case that change how it is followed up (R-BRP-2, R-BRP-3, R-MAT-6)."""

    OVERLEDEN = "OVERLEDEN"
    MINDERJARIG = "MINDERJARIG"
    # A business name or a business address is involved: check the premises before a home
    # visit; contact details are often missing (R-MAT-6, §3.6).
    ONDERNEMER = "ONDERNEMER"


class DebtHelpStanding(StrEnum):
    """Why a resident counts as known to debt help (R-BRP-4): (a) or (b)."""

    ACTIVE = "ACTIVE"  # (a) receives an admitted debt-help product: BEKEND_BIJ_SHV may be told
    RECENT_DECISION = "RECENT_DECISION"  # (b) a final decision < 6 months ago: it may not


class CaseStatus(StrEnum):
    """A case's work lifecycle as the matcher mirrors it (followup owns it, contracts.md)."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"


class OutcomeCategory(StrEnum):
    """The monitor's four outcome categories of a case (R-FU-4)."""

    WIL_HULP = "WIL_HULP"
    WIL_GEEN_HULP = "WIL_GEEN_HULP"
    NIET_BEREIKT = "NIET_BEREIKT"
    BEKEND_BIJ_SHV = "BEKEND_BIJ_SHV"


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


class Attestation(StrEnum):
    """The social-collection steps a creditor attests to (R-IN-2)."""

    WRITTEN_REMINDER = "writtenReminder"
    PERSONAL_CONTACT_ATTEMPT = "personalContactAttempt"
    DEBT_HELP_REFERRAL = "debtHelpReferral"
    DATA_SHARING_OFFER = "dataSharingOffer"


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


class SignalReceived(Event):
    """Intake accepted a signal from a creditor."""

    event_type: ClassVar[str] = "signal.received"
    # v2: the signal carries intake's `received_at`.
    event_version: ClassVar[int] = 2

    signal: SignalData

    def partition_key(self) -> str:
        return str(self.signal.signal_id)


class SignalRefused(Event):
    """Intake did not take a signal up (R-IN-1 … R-IN-4); carries no personal data."""

    event_type: ClassVar[str] = "signal.refused"
    # v2: `forwarded_by`, so the feedback on a forwarded signal goes to the forwarder (Awb 2:3).
    event_version: ClassVar[int] = 2

    signal_id: UUID
    vlp_id: str
    vlp_reference: str
    reason: RefusalReason
    rule: str
    policy_version: int
    # The municipality that forwarded the signal here, if one did: it hears the refusal and
    # tells the creditor as its own.
    forwarded_by: MunicipalityCode | None = None

    def partition_key(self) -> str:
        return str(self.signal_id)


class SignalRouted(Event):
    """The BRP check decided where a signal goes (R-BRP-0 … R-BRP-5)."""

    event_type: ClassVar[str] = "signal.routed"
    # v2: `received_at` in the signal; the BSN found, debt-help standing, destination known.
    event_version: ClassVar[int] = 2

    route: Route
    reasons: tuple[str, ...]
    signal: SignalData
    household: Household | None = None
    # The person the BRP check (or a reviewer) found: for the matcher and the CBS export only.
    bsn: Bsn | None = None
    # Only for `debt-help`: which of R-BRP-4 (a) and (b) applies (feedback may tell (a) only).
    debt_help: DebtHelpStanding | None = None
    # Only for `relocated`: where to forward the signal. Never told to the creditor (§6).
    registered_municipality: MunicipalityCode | None = None
    # Only for `relocated`: False when the BRP says "not resident here" without naming where
    # (R-BRP-1, destination unknown): not forwarded.
    destination_known: bool | None = None

    def partition_key(self) -> str:
        # Keyed by household so one household's signals are handled in order downstream.
        return self.household.address_key if self.household else str(self.signal.signal_id)


class OutcomeDetail(StrEnum):
    """A case's result in the CBS export's `EnumEindresultaat` terms (R-FU-4)."""

    QUICK_FIX = "QUICK_FIX"
    VERWIJZING_FINANCIEEL = "VERWIJZING_FINANCIEEL"
    VERWIJZING_NIET_FINANCIEEL = "VERWIJZING_NIET_FINANCIEEL"
    VERWIJZING_ZONDER_CONTACT = "VERWIJZING_ZONDER_CONTACT"
    GEEN_HULP_NODIG = "GEEN_HULP_NODIG"
    ZELF_GEREGELD = "ZELF_GEREGELD"
    ANDER_TRAJECT = "ANDER_TRAJECT"
    GEEN_CONTACT = "GEEN_CONTACT"
    GEEN_REACTIE = "GEEN_REACTIE"
    BEKEND_BIJ_SHV = "BEKEND_BIJ_SHV"
    # R-BRP-2: nobody else registered at the address; the case closes by itself.
    OVERLEDEN = "OVERLEDEN"


class RepeatKind(StrEnum):
    """Which of R-IN-5's two definitions made a signal a repeat."""

    # The same creditor, household and arrears type while the household's case is open.
    SAME_OPEN_CASE = "SAME_OPEN_CASE"
    # The same creditor, person, arrears type and oldest due date within 6 months.
    SAME_DEBT = "SAME_DEBT"


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


class CaseOpened(Event):
    """The matcher opened a case (melding) for a household (R-MAT-1, R-MAT-2)."""

    event_type: ClassVar[str] = "case.opened"
    # v2: the case's whole lean state; no household key (it names the address).
    event_version: ClassVar[int] = 2

    case_id: UUID
    state: CaseState
    # Set when the case was opened for signals that joined a case after it closed.
    moved_from: UUID | None = None

    def partition_key(self) -> str:
        return str(self.case_id)


class CaseChangeKind(StrEnum):
    """What changed in a case (R-MAT-2, R-MAT-3, R-MAT-4)."""

    SIGNAL_JOINED = "SIGNAL_JOINED"
    SIGNAL_MOVED_OUT = "SIGNAL_MOVED_OUT"
    SIGNAL_REPEATED = "SIGNAL_REPEATED"
    CRISIS_RAISED = "CRISIS_RAISED"
    FLAG_ADDED = "FLAG_ADDED"
    MATCHING_PERIOD_CHANGED = "MATCHING_PERIOD_CHANGED"
    OPENED_AT_CHANGED = "OPENED_AT_CHANGED"
    HOUSEHOLD_CHANGED = "HOUSEHOLD_CHANGED"
    RECIDIVE_CHANGED = "RECIDIVE_CHANGED"
    PRIORITY_CHANGED = "PRIORITY_CHANGED"
    OFFER_OWED_CHANGED = "OFFER_OWED_CHANGED"
    CLOSED = "CLOSED"
    REOPENED = "REOPENED"


class CaseChange(_Value):
    """One change and why it happened."""

    kind: CaseChangeKind
    why: str
    signal_id: UUID | None = None


class CaseUpdated(Event):
    """A case changed: what changed and why, and its whole lean state after (R-MAT-2)."""

    event_type: ClassVar[str] = "case.updated"
    event_version: ClassVar[int] = 1

    case_id: UUID
    changes: tuple[CaseChange, ...]
    state: CaseState

    def partition_key(self) -> str:
        return str(self.case_id)


class CaseContactsChanged(Event):
    """How to reach a case's resident changed (the matcher's copy of the signals' contact
    data): for followup's contact plan only (R-FU-3). Personal data, on a topic of its own so
    the case's lean facts stay lean. The newest signal's data wins; `version` is the case's
    state version it goes with, so an older one changes nothing."""

    event_type: ClassVar[str] = "case.contacts-changed"
    event_version: ClassVar[int] = 1

    case_id: UUID
    version: int = Field(ge=1)
    # The name as a letter is addressed (the debtor's, or the business's name).
    name: Text | None = None
    # Street and number, postcode and place: what a letter's address block needs.
    address_lines: tuple[Text, ...] = ()
    phone: Text | None = None
    email: Text | None = None

    def partition_key(self) -> str:
        return str(self.case_id)


class SignalRepeated(Event):
    """The matcher found a signal to repeat an earlier one on the same debt (R-IN-5): it owes
    no new help offer, and its creditor may hear NIET_OPGEPAKT HERHAALD_SIGNAAL."""

    event_type: ClassVar[str] = "signal.repeated"
    # v2: `forwarded_by`, so the feedback on a forwarded signal goes to the forwarder (Awb 2:3).
    event_version: ClassVar[int] = 2

    signal_id: UUID
    vlp_id: str
    vlp_reference: str
    repeat_of: UUID
    repeat_kind: RepeatKind
    case_id: UUID
    # The municipality that forwarded the signal here, if one did (as SignalRefused's).
    forwarded_by: MunicipalityCode | None = None

    def partition_key(self) -> str:
        return str(self.signal_id)


# R-FU-5, §8.8.3: help accepted, the creditor pauses collection this many days (the quick-fix
# window); HULP_GEACCEPTEERD tells it until when.
COLLECTION_PAUSE_DAYS = 30


def collection_paused_until(category: OutcomeCategory | None, closed_at: datetime) -> date | None:
    """R-FU-5: the last day the creditor pauses collection when the resident accepted help
    (`WIL_HULP`): 30 days from the Dutch date the outcome was registered; None otherwise."""
    if category is not OutcomeCategory.WIL_HULP:
        return None
    return dutch_date(closed_at) + timedelta(days=COLLECTION_PAUSE_DAYS)


class CaseOutcomeRegistered(Event):
    """followup registered a case's outcome, which closes it (R-FU-4); the signal ids are those
    the case held when it closed: a signal the matcher joined later moves to a new case."""

    event_type: ClassVar[str] = "case.outcome-registered"
    # v2: `collection_paused_until` (R-FU-5); a v1 record is read with it computed.
    # v3: `creditor_consent` (R-FU-4, §6); a v1 or v2 record is read without consent.
    event_version: ClassVar[int] = 3

    case_id: UUID
    signal_ids: tuple[UUID, ...]
    category: OutcomeCategory | None = None
    detail: OutcomeDetail
    closed_at: AwareDatetime
    # Help accepted (`WIL_HULP`): the creditor pauses collection until this day, for feedback's
    # HULP_GEACCEPTEERD (R-FU-5, §8.8.3); None for every other outcome.
    collection_paused_until: date | None = None
    # `WIL_GEEN_HULP` only: the resident's explicit written consent to tell the creditor was
    # recorded with the outcome (who, when and how stay in followup). Without it feedback may
    # not tell WIL_GEEN_HULP (§6).
    creditor_consent: bool = False

    def partition_key(self) -> str:
        return str(self.case_id)


class CaseReopened(Event):
    """followup reopened a closed case: the resident came back (§8.8.2); the reason is kept."""

    event_type: ClassVar[str] = "case.reopened"
    event_version: ClassVar[int] = 1

    case_id: UUID
    reason: Text
    reopened_at: AwareDatetime

    def partition_key(self) -> str:
        return str(self.case_id)


class CaseIntermediateResult(Event):
    """R-FU-5: 14 days (policy) after a case opened nobody registered an outcome yet; the
    intermediate result says where the offer stands — whether an attempt reached the resident —
    and the day the 28-day offer window ends, when the case closes NIET_BEREIKT by itself.
    A lean fact for reporting; announced once per case."""

    event_type: ClassVar[str] = "case.intermediate-result"
    event_version: ClassVar[int] = 1

    case_id: UUID
    opened_at: AwareDatetime
    attempts: int = Field(ge=0)
    reached: bool
    offer_window_ends_on: date

    def partition_key(self) -> str:
        return str(self.case_id)


class DebtHelpSignalHandled(Event):
    """An SHV professional handled a signal of a resident known to debt help (R-BRP-4): what
    came of it, as an outcome (R-FU-4) with the resident's debt-help standing, since feedback
    may tell the creditor BEKEND_BIJ_SHV only for (a). No personal data (what was done stays
    in followup)."""

    event_type: ClassVar[str] = "signal.debt-help-handled"
    event_version: ClassVar[int] = 1

    signal_id: UUID
    vlp_id: str
    category: OutcomeCategory
    detail: OutcomeDetail
    debt_help: DebtHelpStanding
    handled_at: AwareDatetime
    # Help accepted: the creditor pauses collection until this day (R-FU-5, §8.8.3).
    collection_paused_until: date | None = None

    def partition_key(self) -> str:
        return str(self.signal_id)


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


class FirstContactDueSoon(Event):
    """A case's first contact is due soon and no person has tried yet (R-FU-1, policy: one
    working day left by default). Announced once."""

    event_type: ClassVar[str] = "case.first-contact-due-soon"
    event_version: ClassVar[int] = 1

    case_id: UUID
    due_date: date
    crisis: bool

    def partition_key(self) -> str:
        return str(self.case_id)


class FirstContactMissed(Event):
    """A case's first-contact deadline passed without a person trying to reach the resident
    (R-FU-1). Announced once; each case is measured against its own deadline."""

    event_type: ClassVar[str] = "case.first-contact-missed"
    event_version: ClassVar[int] = 1

    case_id: UUID
    due_date: date
    crisis: bool

    def partition_key(self) -> str:
        return str(self.case_id)


class FirstContactMet(Event):
    """A person tried to reach the resident: the case was picked up (R-FU-1), on time or late.
    Announced once."""

    event_type: ClassVar[str] = "case.first-contact-met"
    event_version: ClassVar[int] = 1

    case_id: UUID
    due_date: date
    attempted_on: date
    on_time: bool
    crisis: bool

    def partition_key(self) -> str:
        return str(self.case_id)


class ContactKind(StrEnum):
    """How the resident was approached: the CBS export's `EnumContactsoort` (R-FU-2)."""

    TELEFOON = "TELEFOON"
    HUISBEZOEK = "HUISBEZOEK"
    SMS_WHATSAPP = "SMS_WHATSAPP"
    EMAIL = "EMAIL"
    BRIEF = "BRIEF"
    KAART = "KAART"
    ADMINISTRATIEF = "ADMINISTRATIEF"
    ANDERS = "ANDERS"


class PartOfDay(StrEnum):
    """The part of the day of an attempt (`EnumDagdeel`)."""

    OCHTEND = "OCHTEND"
    MIDDAG = "MIDDAG"
    AVOND = "AVOND"


class ContactResult(StrEnum):
    """R-FU-2: reached means the resident was reached, even if they then declined (§8.5.2)."""

    BEREIKT = "BEREIKT"
    NIET_BEREIKT = "NIET_BEREIKT"


class ContactAttempted(Event):
    """A contact attempt on a case, or its result changed (a reply to a letter is recorded on
    that letter's attempt, §8.5.3): a lean fact, nothing personal (R-FU-2)."""

    event_type: ClassVar[str] = "case.contact-attempted"
    event_version: ClassVar[int] = 1

    case_id: UUID
    attempt_id: UUID
    kind: ContactKind
    attempted_on: date
    part_of_day: PartOfDay | None = None
    result: ContactResult
    # Sent by the contact plan (a letter, an SMS): an attempt, but it picks no crisis up.
    automatic: bool

    def partition_key(self) -> str:
        return str(self.case_id)


class AgeBand(StrEnum):
    """The monitor's age bands (Bijlage 1, "Leeftijd melding"), on the signal's date."""

    UNDER_18 = "<18"
    FROM_18 = "18-26"
    FROM_27 = "27-44"
    FROM_45 = "45-66"
    FROM_67 = "67+"


_AGE_BAND_LIMITS = (
    (18, AgeBand.UNDER_18),
    (27, AgeBand.FROM_18),
    (45, AgeBand.FROM_27),
    (67, AgeBand.FROM_45),
)


def age_band(born: date | None, on: date) -> AgeBand | None:
    """The age band of someone born on `born`, on `on` (a birthday counts on the day itself);
    None without a birth date. A fact carries the band, never the birth date."""
    if born is None:
        return None
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next((band for limit, band in _AGE_BAND_LIMITS if age < limit), AgeBand.FROM_67)


PostcodeArea = Annotated[str, StringConstraints(pattern=r"^[1-9]\d{3}$")]


class SignalFact(Event):
    """Lean fact of a signal intake decided on, taken up or refused (contracts.md): for the
    monitor, which rebuilds its figures from it. No name, address, phone, e-mail, birth date or
    creditor reference: the 4-digit postcode, the age band and whether a phone and an e-mail
    came. CAK registrations get none: they are not vroegsignalering (§3)."""

    event_type: ClassVar[str] = "signal.fact"
    event_version: ClassVar[int] = 1

    signal_id: UUID
    vlp_id: str
    vlp_type: VlpType
    kind: SignalKind
    arrears_type: ArrearsType
    amount: Decimal
    postcode_area: PostcodeArea
    age_band: AgeBand | None = None
    phone_present: bool
    email_present: bool
    forwarded_by: MunicipalityCode | None = None
    received_at: AwareDatetime
    # R-IN-1 … R-IN-4: not taken up, and why (None: taken up).
    refusal: RefusalReason | None = None

    def partition_key(self) -> str:
        return str(self.signal_id)


class RouteFact(Event):
    """Lean fact of a route brp-check gave a signal (contracts.md): `review` first for a signal
    without a single BRP match, then the route the reviewer's decision gives (`reviewed`), so
    the monitor counts each signal once, under its final route. The household's size and
    minors and the person's age band, never the BSN or the address."""

    event_type: ClassVar[str] = "signal.route-fact"
    event_version: ClassVar[int] = 1

    signal_id: UUID
    route: Route
    reviewed: bool
    debt_help: DebtHelpStanding | None = None
    age_band: AgeBand | None = None
    household_size: int | None = Field(default=None, ge=0)
    minors_present: bool | None = None
    routed_at: AwareDatetime

    def partition_key(self) -> str:
        return str(self.signal_id)


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


class TenantChanged(Event):
    """intake's tenant registry (domain §10): one municipality's entry, whole, keyed by its CBS
    code (`municipality`) on a compacted topic, so the latest event per code is all a service
    needs. Served here, or served by the vroeg deployment at `intake_url`, whose certificate
    `ca_certificate` (PEM) signs; `sealed_api_keys` are the keys this deployment presents
    there, per forwarding municipality (Awb 2:3), each sealed with `VROEG_REGISTRY_SECRET_KEY`
    (`vroeg.shared.registry_keys`): the topic is compacted, never deleted, so a key never
    travels on it in plain text. v2: v1 carried them in plain text as `api_keys`."""

    event_type: ClassVar[str] = "tenant.changed"
    event_version: ClassVar[int] = 2

    served_here: bool
    # The entry was deleted: the municipality is neither served here nor known elsewhere.
    removed: bool = False
    intake_url: (
        Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=500)] | None
    ) = None
    ca_certificate: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    # That deployment's feedback service, where the forwarder polls the feedback on the signals
    # it forwarded (with the same key; the same CA).
    feedback_url: (
        Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=500)] | None
    ) = None
    # Fernet tokens (a 200-character key seals into about 360).
    sealed_api_keys: dict[MunicipalityCode, Annotated[str, StringConstraints(max_length=1000)]] = (
        Field(default_factory=dict, repr=False)
    )
    # When the registry changed: a late, older event changes nothing.
    changed_at: AwareDatetime

    def partition_key(self) -> str:
        return self.municipality


class AgreementChanged(Event):
    """intake's administration saved, ended or deleted a creditor's agreement with a
    municipality (R-IN-7, the modelovereenkomst of §2.4): the agreement's whole state, keyed by
    creditor and municipality on a compacted topic, so the latest event per key is all a
    reader needs. A lean fact for the monitor (agreements in force, a creditor gone silent):
    ids, the creditor's type and dates only. An agreement is ended by its `ends_on`; `removed`
    says it was deleted (entered by mistake) and is in force on no day."""

    event_type: ClassVar[str] = "agreement.changed"
    event_version: ClassVar[int] = 1

    vlp_id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    vlp_type: VlpType
    starts_on: date
    # The last day it is in force; None: until changed.
    ends_on: date | None = None
    removed: bool = False
    # When the administration changed it: a late, older event changes nothing.
    changed_at: AwareDatetime

    def partition_key(self) -> str:
        return f"{self.vlp_id}/{self.municipality}"


class ForwardingOutcome(StrEnum):
    """What became of a relocated signal's forward (Awb 2:3, R-BRP-1)."""

    FORWARDED = "FORWARDED"  # the competent municipality's intake acknowledged it
    NOT_IN_REGISTRY = "NOT_IN_REGISTRY"  # no vroeg deployment known for the destination
    NO_KEY = "NO_KEY"  # known, but no key to present there for the forwarding municipality
    REFUSED = "REFUSED"  # the receiving intake refused it (a 4xx): a person must act


class SignalForwarded(Event):
    """feedback forwarded a relocated signal to the competent municipality (Awb 2:3), or
    recorded why it could not: a lean fact (ids, the two municipalities, the outcome), for
    reporting. `municipality` is the forwarding one."""

    event_type: ClassVar[str] = "signal.forwarded"
    event_version: ClassVar[int] = 1

    signal_id: UUID
    vlp_id: str
    destination: MunicipalityCode
    outcome: ForwardingOutcome
    # Attempts it took (0 when it was never sent).
    attempts: int = Field(ge=0)

    def partition_key(self) -> str:
        return str(self.signal_id)


EVENT_CLASSES: tuple[type[Event], ...] = (
    SignalReceived,
    SignalRefused,
    SignalRouted,
    CaseOpened,
    CaseUpdated,
    CaseContactsChanged,
    SignalRepeated,
    CaseOutcomeRegistered,
    CaseReopened,
    CaseIntermediateResult,
    DebtHelpSignalHandled,
    FirstContactDeadlineSet,
    FirstContactDueSoon,
    FirstContactMissed,
    FirstContactMet,
    ContactAttempted,
    CreditorKeyChanged,
    TenantChanged,
    AgreementChanged,
    SignalForwarded,
    SignalFact,
    RouteFact,
)
EVENT_TYPES: dict[str, type[Event]] = {cls.cloudevents_type(): cls for cls in EVENT_CLASSES}


def _signal_received_v1(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # intake published SignalReceived in the transaction that received the signal.
    return {**data, "signal": {**data["signal"], "received_at": occurred_at}}


def _signal_routed_v1(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # The receipt is not in a v1 record; the signal's own date is no later than it, so a
    # deadline counted from it (R-FU-1) is never later than the law allows.
    signal = data["signal"]
    received_at = f"{signal['signal_date']}T00:00:00+00:00"
    return {**data, "signal": {**signal, "received_at": received_at}}


def _case_outcome_registered_v1(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # v1 had no pause: computed from the outcome as v2's producer does (R-FU-5).
    category = OutcomeCategory(data["category"]) if data.get("category") else None
    paused = collection_paused_until(category, datetime.fromisoformat(data["closed_at"]))
    return _case_outcome_registered_v2(
        {**data, "collection_paused_until": paused.isoformat() if paused else None}, occurred_at
    )


def _case_outcome_registered_v2(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # v2 did not say whether consent was recorded: read as not recorded, so the creditor never
    # hears WIL_GEEN_HULP on an outcome that cannot show it (§6).
    return {**data, "creditor_consent": False}


def _not_forwarded(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # SignalRefused v1 and SignalRepeated v1 did not say: read as not forwarded (as before).
    return {**data, "forwarded_by": None}


def _tenant_changed_v1(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # v1's keys were in plain text: never taken from the topic. intake re-publishes every entry,
    # sealed, at start, which replaces the record on the compacted topic and in every table.
    return {name: value for name, value in data.items() if name != "api_keys"}


# Records of an older version that may still be on a topic after an upgrade: read as the
# current version (the upcaster gets the data and the record's `ce_time`).
LEGACY_EVENT_TYPES: dict[
    str, tuple[type[Event], Callable[[dict[str, Any], str], dict[str, Any]]]
] = {
    "nl.vroeg.signal.received.v1": (SignalReceived, _signal_received_v1),
    "nl.vroeg.signal.routed.v1": (SignalRouted, _signal_routed_v1),
    "nl.vroeg.case.outcome-registered.v1": (CaseOutcomeRegistered, _case_outcome_registered_v1),
    "nl.vroeg.case.outcome-registered.v2": (CaseOutcomeRegistered, _case_outcome_registered_v2),
    "nl.vroeg.signal.refused.v1": (SignalRefused, _not_forwarded),
    "nl.vroeg.signal.repeated.v1": (SignalRepeated, _not_forwarded),
    "nl.vroeg.tenant.changed.v1": (TenantChanged, _tenant_changed_v1),
}


def now_utc() -> datetime:
    """The current time, aware; for edges only (rules take `now` as an argument)."""
    return datetime.now(UTC)
