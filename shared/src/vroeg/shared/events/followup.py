"""Events of followup's work on a case: deadlines, contact attempts, outcomes, reopenings,
the intermediate result and the SHV professional's outcomes.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from vroeg.shared.events.base import Event
from vroeg.shared.events.vocabulary import (
    ContactKind,
    ContactResult,
    DebtHelpStanding,
    OutcomeCategory,
    OutcomeDetail,
    PartOfDay,
    Text,
)


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
