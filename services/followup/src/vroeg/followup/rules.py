"""Follow-up deadlines, as pure functions (domain §7, R-FU-1)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from enum import StrEnum
from http import HTTPStatus

# The legal calendar (Algemene termijnenwet art. 3) lives in one place, `vroeg.shared.calendar`,
# shared with brp-check's review queue; followup's callers find it here too.
from vroeg.shared.calendar import add_working_days as add_working_days
from vroeg.shared.calendar import is_working_day as is_working_day
from vroeg.shared.calendar import subtract_working_days as subtract_working_days
from vroeg.shared.events import (
    CRISIS_FIRST_CONTACT_WORKING_DAYS,
    CRISIS_KINDS,
    ArrearsType,
    CaseFlag,
    CaseStatus,
    DebtHelpStanding,
    OutcomeCategory,
    OutcomeDetail,
    SignalKind,
)

# A refusal is answered by the one handler every service has (422, or 409 for a lifecycle step).
from vroeg.shared.http import Refused as Refused

# R-FU-1: a water disconnection by law; other crisis kinds by municipal policy (default on).
WATER_DISCONNECTION_WORKING_DAYS = CRISIS_FIRST_CONTACT_WORKING_DAYS


def first_contact_working_days(
    kinds: Iterable[SignalKind],
    arrears_types: Iterable[ArrearsType],
    default: int,
    *,
    other_crises: bool = True,
) -> int:
    """R-FU-1: an announced water disconnection needs contact within 3 working days (the law);
    an energy disconnection or an eviction too while the policy says so (`other_crises`,
    default on); any other signal the policy's default."""
    kinds, arrears = set(kinds), set(arrears_types)
    if SignalKind.AFSLUITING in kinds and ArrearsType.DRINKWATER in arrears:
        return WATER_DISCONNECTION_WORKING_DAYS
    if other_crises and kinds & CRISIS_KINDS:
        return CRISIS_FIRST_CONTACT_WORKING_DAYS
    return default


def first_contact_due(
    signals: Iterable[tuple[date, SignalKind, ArrearsType]],
    default: int,
    decreed_days_off: Collection[date],
    *,
    other_crises: bool = True,
) -> tuple[date, int, date]:
    """R-FU-1: each signal's first contact is due its working days after its receipt (the
    Dutch date intake received it; that day not counted, however long the BRP check or the
    review queue took), so a crisis signal that joins a case tightens the case's deadline.
    The case's deadline is the earliest: (due date, working days, the receipt it counts
    from)."""
    best: tuple[date, int, date] | None = None
    for received_on, kind, arrears_type in signals:
        days = first_contact_working_days(
            [kind], [arrears_type], default, other_crises=other_crises
        )
        due = add_working_days(received_on, days, decreed_days_off)
        if best is None or due < best[0]:
            best = (due, days, received_on)
    if best is None:
        raise ValueError("a case has at least one signal")
    return best


class DeadlineState(StrEnum):
    """Where a case stands against its first-contact deadline (R-FU-1), as the queue shows it."""

    OPEN = "OPEN"
    DUE_SOON = "DUE_SOON"
    MISSED = "MISSED"
    MET = "MET"
    MET_LATE = "MET_LATE"


def deadline_state(today: date, due: date, due_soon_on: date, met_on: date | None) -> DeadlineState:
    """R-FU-1: met (on time or late) once a person tried; else missed after the due date, due
    soon from the policy's day on, open before."""
    if met_on is not None:
        return DeadlineState.MET if met_on <= due else DeadlineState.MET_LATE
    if today > due:
        return DeadlineState.MISSED
    if today >= due_soon_on:
        return DeadlineState.DUE_SOON
    return DeadlineState.OPEN


def picks_up(automatic: bool) -> bool:
    """R-FU-1: a person trying to reach the resident picks a case up; an automatic letter or
    SMS is an attempt (R-FU-2) but does not."""
    return not automatic


class CaseAction(StrEnum):
    """What can happen to a case's work lifecycle (R-FU-4, §8.8.2)."""

    CLOSE = "close"
    REOPEN = "reopen"


# The case's work lifecycle as data: (status, action) → the status it leads to.
TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {
    (CaseStatus.OPEN, CaseAction.CLOSE): CaseStatus.CLOSED,
    (CaseStatus.CLOSED, CaseAction.REOPEN): CaseStatus.OPEN,
}


class NotInThisState(Refused):
    """A lifecycle step the case's status does not allow now (the API answers 409)."""

    status = HTTPStatus.CONFLICT


def transition(status: CaseStatus, action: CaseAction) -> CaseStatus:
    """The one place the lifecycle is enforced: open → closed → reopened (open)."""
    after = TRANSITIONS.get((status, action))
    if after is None:
        done = {CaseAction.CLOSE: "closed", CaseAction.REOPEN: "reopened"}[action]
        raise NotInThisState(f"a {status.value.lower()} case cannot be {done}")
    return after


DETAILS: dict[OutcomeCategory, frozenset[OutcomeDetail]] = {
    OutcomeCategory.WIL_HULP: frozenset(
        {
            OutcomeDetail.QUICK_FIX,
            OutcomeDetail.VERWIJZING_FINANCIEEL,
            OutcomeDetail.VERWIJZING_NIET_FINANCIEEL,
            OutcomeDetail.VERWIJZING_ZONDER_CONTACT,
        }
    ),
    OutcomeCategory.WIL_GEEN_HULP: frozenset(
        {OutcomeDetail.GEEN_HULP_NODIG, OutcomeDetail.ZELF_GEREGELD, OutcomeDetail.ANDER_TRAJECT}
    ),
    OutcomeCategory.NIET_BEREIKT: frozenset(
        {OutcomeDetail.GEEN_CONTACT, OutcomeDetail.GEEN_REACTIE}
    ),
    OutcomeCategory.BEKEND_BIJ_SHV: frozenset({OutcomeDetail.BEKEND_BIJ_SHV}),
}


def outcome_detail(
    category: OutcomeCategory,
    detail: OutcomeDetail | None,
    *,
    reached: bool,
    consent: bool,
    reason: bool,
) -> OutcomeDetail:
    """R-FU-4 and the decision table of §8.8.2 where it is a rule: the detail must be one of
    its category's (the CBS export's `EnumEindresultaat`); `WIL_HULP` needs one; help accepted
    or declined, or no reaction *after* contact, needs a resident who was reached (a referral
    without contact excepted), and definitely no contact one who never was; a reason and the
    consent to tell the creditor belong to `WIL_GEEN_HULP` only. The detail to record."""
    allowed = DETAILS[category]
    if detail is None:
        if len(allowed) != 1:
            raise Refused(f"{category.value} needs a detail: one of {sorted(allowed)}")
        (detail,) = allowed
    if detail not in allowed:
        raise Refused(f"{detail.value} is not a detail of {category.value}: {sorted(allowed)}")
    if (consent or reason) and category is not OutcomeCategory.WIL_GEEN_HULP:
        raise Refused("a reason and the consent to tell the creditor belong to WIL_GEEN_HULP")
    needs_contact = detail in DETAILS[OutcomeCategory.WIL_GEEN_HULP] | {
        OutcomeDetail.QUICK_FIX,
        OutcomeDetail.VERWIJZING_FINANCIEEL,
        OutcomeDetail.VERWIJZING_NIET_FINANCIEEL,
        OutcomeDetail.GEEN_REACTIE,
    }
    if needs_contact and not reached:
        raise Refused(f"{detail.value} needs a contact attempt that reached the resident")
    if detail is OutcomeDetail.GEEN_CONTACT and reached:
        raise Refused("GEEN_CONTACT, but an attempt reached the resident: GEEN_REACTIE?")
    return detail


def needs_note_to_close(flags: Collection[CaseFlag], notes: int) -> bool:
    """R-BRP-2: a deceased debtor's case records the weighing (help to the household or the
    heirs) in a dossier note before it closes."""
    return CaseFlag.OVERLEDEN in flags and notes == 0


def closes_by_itself(flags: Collection[CaseFlag], household_size: int | None) -> bool:
    """R-BRP-2: a deceased debtor with nobody else registered at the address: the case closes
    by itself with the result "Inwoner is overleden"."""
    return CaseFlag.OVERLEDEN in flags and household_size == 0


def offer_window_day(opened_on: date, days: int) -> date:
    """R-FU-5: the day `days` (calendar days) after the Dutch date a case opened: 14 for the
    intermediate result, 28 for the end of the offer window (policy)."""
    return opened_on + timedelta(days=days)


def automatic_result(reached: bool) -> OutcomeDetail:
    """R-FU-5: the result the offer window's end sets when nobody registered one: NIET_BEREIKT
    GEEN_CONTACT; but when an attempt did reach the resident, the decision table's "no
    reaction after earlier contact" (GEEN_REACTIE), as `outcome_detail` would ask of a person."""
    return OutcomeDetail.GEEN_REACTIE if reached else OutcomeDetail.GEEN_CONTACT


def shv_outcome(
    standing: DebtHelpStanding,
    category: OutcomeCategory,
    detail: OutcomeDetail | None,
    *,
    reached: bool,
) -> OutcomeDetail:
    """R-BRP-4 with R-FU-4: the SHV professional's result is an outcome like any other, with
    its detail checked the same way; BEKEND_BIJ_SHV only for a resident who receives debt help
    now (a): after a final decision (b) the professional registers what came of it."""
    if category is OutcomeCategory.BEKEND_BIJ_SHV and standing is not DebtHelpStanding.ACTIVE:
        raise Refused(
            "BEKEND_BIJ_SHV is for a resident who receives debt help now (R-BRP-4 a); after a "
            "final decision register what came of the contact"
        )
    return outcome_detail(category, detail, reached=reached, consent=False, reason=False)
