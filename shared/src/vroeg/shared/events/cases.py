"""Events of the matcher's cases: opened, updated, their contacts, and repeats (R-IN-5)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import Field

from vroeg.shared.events.base import CaseChange, CaseState, Event
from vroeg.shared.events.vocabulary import MunicipalityCode, RepeatKind, Text


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
