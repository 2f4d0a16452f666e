"""intake's decisions, as pure functions (domain §3–§4, guideline §2.2, §3.4, §3.6, §5.4).

Two kinds of outcome: a *problem* (the delivery itself is wrong or not allowed: nothing is
stored, the creditor gets an HTTP error) and a *refusal* (a valid signal the law says not to
take up: recorded without personal data, the creditor hears NIET_OPGEPAKT with the reason).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http import HTTPStatus

from vroeg.shared.events import ArrearsType, Attestation, RefusalReason, SignalKind, VlpType
from vroeg.shared.http import Problem

__all__ = ["Attestation"]  # defined with the signal's data: a forward carries them (Awb 2:3)

ALL_ATTESTATIONS = frozenset(Attestation)
# Health insurers' own regulation predates the Wgs (§2.2): no (b) personal contact, no (d).
DEFAULT_REQUIRED_ATTESTATIONS: Mapping[VlpType, frozenset[Attestation]] = {
    **{vlp_type: ALL_ATTESTATIONS for vlp_type in VlpType},
    VlpType.ZORGVERZEKERING: frozenset(
        {Attestation.WRITTEN_REMINDER, Attestation.DEBT_HELP_REFERRAL}
    ),
}

ARREARS_TYPES_OF: Mapping[VlpType, frozenset[ArrearsType]] = {
    VlpType.HUUR: frozenset({ArrearsType.HUUR}),
    VlpType.DRINKWATER: frozenset({ArrearsType.DRINKWATER}),
    VlpType.ZORGVERZEKERING: frozenset({ArrearsType.ZORGVERZEKERING}),
    VlpType.ENERGIE: frozenset({ArrearsType.ELEKTRICITEIT, ArrearsType.GAS}),
    VlpType.WARMTE: frozenset({ArrearsType.WARMTE}),
}
ENERGY_TYPES = frozenset({ArrearsType.ELEKTRICITEIT, ArrearsType.GAS, ArrearsType.WARMTE})
# The LCV windows (§3.4) apply to arrears notices; EINDELEVERING is "an updated vroegsignaal,
# same terms". Announced disconnections and evictions are crises and are never too early.
WINDOWED_KINDS = frozenset({SignalKind.VROEGSIGNAAL, SignalKind.EINDELEVERING})
MIN_DAYS = 30
MAX_DAYS_HEALTH_INSURANCE = 100
MIN_UNPAID_ENERGY_INSTALLMENTS = 2


@dataclass(frozen=True)
class Policy:
    """A municipality's intake policy (data, versioned); version 0 is the national default."""

    version: int = 0
    thresholds: Mapping[ArrearsType, Decimal] = field(default_factory=dict)
    required_attestations: Mapping[VlpType, frozenset[Attestation]] = field(
        default_factory=lambda: dict(DEFAULT_REQUIRED_ATTESTATIONS)
    )

    def required_for(self, vlp_type: VlpType) -> frozenset[Attestation]:
        """The attestations a creditor of this type must give."""
        return self.required_attestations.get(vlp_type, ALL_ATTESTATIONS)


@dataclass(frozen=True)
class Refusal:
    """A valid signal not taken up, and the rule that says so."""

    reason: RefusalReason
    rule: str
    detail: str


@dataclass(frozen=True)
class Agreement:
    """A signed agreement (modelovereenkomst) between a creditor and a municipality."""

    municipality: str
    starts_on: date
    ends_on: date | None


def check_tenant(municipality: str, served: frozenset[str]) -> None:
    """R-IN-8: the target municipality must be one this deployment serves."""
    if municipality not in served:
        raise Problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            code="unknown-municipality",
            title="This deployment does not serve that municipality.",
            detail=f"Municipality {municipality} is not served here (R-IN-8).",
        )


def check_agreement(municipality: str, agreements: Iterable[Agreement], today: date) -> None:
    """R-IN-7: a creditor delivers only under an agreement in force on the day of delivery."""
    if not any(
        a.municipality == municipality
        and a.starts_on <= today
        and (a.ends_on is None or today <= a.ends_on)
        for a in agreements
    ):
        raise Problem(
            HTTPStatus.FORBIDDEN,
            code="no-agreement",
            title="No agreement with that municipality.",
            detail=f"There is no agreement in force with municipality {municipality} (R-IN-7).",
        )


def check_kind(kind: SignalKind, arrears_type: ArrearsType, vlp_type: VlpType) -> None:
    """Domain §3: the arrears must be of the creditor's kind; no EINDELEVERING for heat."""
    if kind == SignalKind.CAK_WANBETALER:
        return
    if arrears_type not in ARREARS_TYPES_OF[vlp_type]:
        raise Problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            code="arrears-type-not-of-creditor",
            title="The arrears type does not fit the creditor.",
            detail=f"A {vlp_type} creditor cannot report {arrears_type} arrears.",
        )
    if kind == SignalKind.EINDELEVERING and arrears_type not in (
        ArrearsType.ELEKTRICITEIT,
        ArrearsType.GAS,
    ):
        raise Problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            code="kind-not-for-arrears-type",
            title="EINDELEVERING is for electricity and gas only.",
            detail="Heat has no grid operator: there is no end-of-supply signal (§3.5).",
        )


def check_dates(signal_date: date, oldest_due_date: date, today: date) -> None:
    """A signal cannot be dated in the future, nor its arrears after it."""
    if signal_date > today or oldest_due_date > signal_date:
        raise Problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            code="impossible-dates",
            title="The dates are impossible.",
            detail="signalDate must not be after today, oldestDueDate not after signalDate.",
        )


def arrears_window(
    kind: SignalKind,
    arrears_type: ArrearsType,
    *,
    oldest_due_date: date,
    signal_date: date,
    unpaid_installments: int | None,
) -> Refusal | None:
    """R-IN-1: days since the oldest unpaid due date within the LCV window (§3.4)."""
    if kind not in WINDOWED_KINDS:
        return None
    days = (signal_date - oldest_due_date).days
    if days < MIN_DAYS:
        return Refusal(
            RefusalReason.TERMIJN, "R-IN-1", f"{days} days in arrears; at least {MIN_DAYS}"
        )
    if arrears_type == ArrearsType.ZORGVERZEKERING and days > MAX_DAYS_HEALTH_INSURANCE:
        return Refusal(
            RefusalReason.TERMIJN,
            "R-IN-1",
            f"{days} days in arrears; health insurance at most {MAX_DAYS_HEALTH_INSURANCE}",
        )
    if arrears_type in ENERGY_TYPES and (unpaid_installments or 0) < MIN_UNPAID_ENERGY_INSTALLMENTS:
        return Refusal(
            RefusalReason.TERMIJN,
            "R-IN-1",
            f"{unpaid_installments or 0} unpaid installments; energy needs at least "
            f"{MIN_UNPAID_ENERGY_INSTALLMENTS}",
        )
    return None


def social_collection(
    given: Collection[Attestation], required: Collection[Attestation]
) -> Refusal | None:
    """R-IN-2: every attestation the policy requires of this creditor type was given."""
    missing = sorted(set(required) - set(given))
    if missing:
        return Refusal(
            RefusalReason.SOCIALE_INCASSO, "R-IN-2", f"not attested: {', '.join(missing)}"
        )
    return None


# Legal-person forms (§3.6.4). Eenmanszaak, VOF, CV and maatschap are natural persons and are
# absent on purpose; "maatschappij" (as in a N.V.'s name) is not "maatschap".
_LEGAL_FORMS = (
    r"b\.?\s?v\.?",
    r"n\.?\s?v\.?",
    r"stichting",
    r"vereniging",
    r"co[öo]peratie(?:ve)?",
    r"u\.?\s?a\.?",
    r"w\.?\s?a\.?",
    r"onderlinge\s+waarborgmaatschappij",
    r"kerkgenootschap",
)
_LEGAL_PERSON = re.compile(r"(?<![\w.])(?:" + "|".join(_LEGAL_FORMS) + r")(?![\w])", re.IGNORECASE)


def _visible(text: str) -> str:
    """Text as a reader sees it: format characters (Cf: zero-width, bidi) dropped, then NFKC."""
    # Dropped first, so that letters a zero-width character kept apart compose under NFKC.
    shown = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", shown)


def legal_form_of(name: str) -> str | None:
    """The legal-person form a name carries, if any (after NFKC, without format characters)."""
    found = _LEGAL_PERSON.search(_visible(name))
    return found.group(0) if found else None


def legal_person(*, business_name: str | None, surname: str | None) -> Refusal | None:
    """R-IN-3: a business name or surname with a legal-person form is not followed up.

    Never the given names: "W.A." or "B.V." there are initials of a natural person.
    """
    for name in (business_name, surname):
        form = legal_form_of(name) if name else None
        if form:
            return Refusal(RefusalReason.RECHTSPERSOON, "R-IN-3", f"legal-person form {form!r}")
    return None


def threshold(
    amount: Decimal, arrears_type: ArrearsType, thresholds: Mapping[ArrearsType, Decimal]
) -> Refusal | None:
    """R-IN-4: below the municipality's drempelbedrag the signal is not proportional (§5.4)."""
    minimum = thresholds.get(arrears_type)
    if minimum is not None and amount < minimum:
        return Refusal(
            RefusalReason.ONDER_DREMPEL, "R-IN-4", f"{amount} is below the threshold {minimum}"
        )
    return None


def refusal_for(
    *,
    kind: SignalKind,
    arrears_type: ArrearsType,
    vlp_type: VlpType,
    business_name: str | None,
    surname: str | None,
    oldest_due_date: date,
    signal_date: date,
    unpaid_installments: int | None,
    attestations: Collection[Attestation],
    amount: Decimal,
    policy: Policy,
) -> Refusal | None:
    """The first rule a valid signal breaks, in order R-IN-3, R-IN-1, R-IN-2, R-IN-4."""
    return (
        legal_person(business_name=business_name, surname=surname)
        or arrears_window(
            kind,
            arrears_type,
            oldest_due_date=oldest_due_date,
            signal_date=signal_date,
            unpaid_installments=unpaid_installments,
        )
        or social_collection(attestations, policy.required_for(vlp_type))
        or threshold(amount, arrears_type, policy.thresholds)
    )
