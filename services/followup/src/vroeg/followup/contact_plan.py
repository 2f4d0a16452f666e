"""The contact plan (R-FU-3) as pure decisions: a municipality's ordered steps, each a kind, a
delay in working days from the case's opening and criteria; which steps a case gets, and when.

`BRIEF`, `SMS_WHATSAPP` and `EMAIL` steps are automatic: the plan's job sends them through
Notify and registers each as an attempt (which picks no crisis up, R-FU-1). `TELEFOON` and
`HUISBEZOEK` are tasks for a person, shown with their day on the case.

R-MAT-6: a `HUISBEZOEK` is never planned for a case flagged `ONDERNEMER`: the premises are
checked first, and whether to visit is then a person's call, not the plan's.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from vroeg.shared.calendar import add_working_days
from vroeg.shared.events import CaseFlag, ContactKind

AUTOMATIC = frozenset({ContactKind.BRIEF, ContactKind.SMS_WHATSAPP, ContactKind.EMAIL})
PLANNABLE = AUTOMATIC | {ContactKind.TELEFOON, ContactKind.HUISBEZOEK}


@dataclass(frozen=True)
class Criteria:
    """When a step applies; None: either way. `amount_over`: the case's arrears together
    above it."""

    phone_known: bool | None = None
    email_known: bool | None = None
    amount_over: Decimal | None = None
    crisis: bool | None = None
    minors: bool | None = None


@dataclass(frozen=True)
class Step:
    kind: ContactKind
    delay_working_days: int
    criteria: Criteria = Criteria()

    @property
    def key(self) -> str:
        """What names the step across plan versions: a version keeping it does not send it
        again to a case that had it."""
        return f"{self.kind.value}+{self.delay_working_days}"

    @property
    def automatic(self) -> bool:
        return self.kind in AUTOMATIC


# Version 0, the national default: a letter at once; an SMS the same day when a phone number
# is known; a call two working days on; a home visit on the third for a crisis case.
DEFAULT_STEPS: tuple[Step, ...] = (
    Step(ContactKind.BRIEF, 0),
    Step(ContactKind.SMS_WHATSAPP, 0, Criteria(phone_known=True)),
    Step(ContactKind.TELEFOON, 2),
    Step(ContactKind.HUISBEZOEK, 3, Criteria(crisis=True)),
)


@dataclass(frozen=True)
class CaseFacts:
    """What the criteria read of a case."""

    opened_on: date
    crisis: bool
    minors: bool
    flags: frozenset[CaseFlag]
    total_amount: Decimal
    phone_known: bool
    email_known: bool
    address_known: bool


class Skip(StrEnum):
    """Why a step is not planned for a case."""

    CRITERIA = "CRITERIA"
    # R-MAT-6: the premises are checked before a home visit; a person decides on it.
    ONDERNEMER = "ONDERNEMER"
    # Nothing to send it to: no name and address for a letter, no number, no e-mail address.
    NO_CONTACT = "NO_CONTACT"


@dataclass(frozen=True)
class Planned:
    step: Step
    due_on: date
    skip: Skip | None


def plan(
    steps: Sequence[Step], facts: CaseFacts, decreed_days_off: Collection[date]
) -> list[Planned]:
    """Each step with its day (working days after the opening) and, if it is not for this
    case, why."""
    return [
        Planned(
            step,
            add_working_days(facts.opened_on, step.delay_working_days, decreed_days_off),
            _skip(step, facts),
        )
        for step in steps
    ]


def _skip(step: Step, facts: CaseFacts) -> Skip | None:
    c = step.criteria
    wanted = (
        (c.phone_known, facts.phone_known),
        (c.email_known, facts.email_known),
        (c.crisis, facts.crisis),
        (c.minors, facts.minors),
    )
    if any(want is not None and want != have for want, have in wanted):
        return Skip.CRITERIA
    if c.amount_over is not None and not facts.total_amount > c.amount_over:
        return Skip.CRITERIA
    if step.kind == ContactKind.HUISBEZOEK and CaseFlag.ONDERNEMER in facts.flags:
        return Skip.ONDERNEMER
    if not _reachable(step.kind, facts):
        return Skip.NO_CONTACT
    return None


def _reachable(kind: ContactKind, facts: CaseFacts) -> bool:
    if kind == ContactKind.BRIEF:
        return facts.address_known
    if kind == ContactKind.SMS_WHATSAPP:
        return facts.phone_known
    if kind == ContactKind.EMAIL:
        return facts.email_known
    return True


def due_automatic(planned: Sequence[Planned], today: date) -> list[Step]:
    """The automatic steps whose day has come and that are for this case."""
    return [p.step for p in planned if p.step.automatic and p.skip is None and p.due_on <= today]
