"""The platform's vocabulary: the enumerations, constrained strings and constants every
event and service speaks in (signal kinds, routes, outcomes, contact kinds, age bands ...).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

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


class Attestation(StrEnum):
    """The social-collection steps a creditor attests to (R-IN-2)."""

    WRITTEN_REMINDER = "writtenReminder"
    PERSONAL_CONTACT_ATTEMPT = "personalContactAttempt"
    DEBT_HELP_REFERRAL = "debtHelpReferral"
    DATA_SHARING_OFFER = "dataSharingOffer"


class RefusalReason(StrEnum):
    """Why intake did not take a signal up (domain §4); told to the creditor, nothing more."""

    TERMIJN = "TERMIJN"
    SOCIALE_INCASSO = "SOCIALE_INCASSO"
    RECHTSPERSOON = "RECHTSPERSOON"
    ONDER_DREMPEL = "ONDER_DREMPEL"


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


# R-FU-5, §8.8.3: help accepted, the creditor pauses collection this many days (the quick-fix
# window); HULP_GEACCEPTEERD tells it until when.
COLLECTION_PAUSE_DAYS = 30


def collection_paused_until(category: OutcomeCategory | None, closed_at: datetime) -> date | None:
    """R-FU-5: the last day the creditor pauses collection when the resident accepted help
    (`WIL_HULP`): 30 days from the Dutch date the outcome was registered; None otherwise."""
    if category is not OutcomeCategory.WIL_HULP:
        return None
    return dutch_date(closed_at) + timedelta(days=COLLECTION_PAUSE_DAYS)


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


class KeyHolderKind(StrEnum):
    """Who can hold a creditor API key: a creditor, or a municipality that forwards signals."""

    VLP = "VLP"
    MUNICIPALITY = "MUNICIPALITY"


class ForwardingOutcome(StrEnum):
    """What became of a relocated signal's forward (Awb 2:3, R-BRP-1)."""

    FORWARDED = "FORWARDED"  # the competent municipality's intake acknowledged it
    NOT_IN_REGISTRY = "NOT_IN_REGISTRY"  # no vroeg deployment known for the destination
    NO_KEY = "NO_KEY"  # known, but no key to present there for the forwarding municipality
    REFUSED = "REFUSED"  # the receiving intake refused it (a 4xx): a person must act


def now_utc() -> datetime:
    """The current time, aware; for edges only (rules take `now` as an argument)."""
    return datetime.now(UTC)
