"""followup's HTTP bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from vroeg.followup.contact_plan import PLANNABLE, Skip
from vroeg.followup.rules import DeadlineState
from vroeg.shared.events import (
    TEXT_PATTERN,
    ArrearsType,
    CaseFlag,
    CaseStatus,
    ContactKind,
    ContactResult,
    DebtHelpStanding,
    OutcomeCategory,
    OutcomeDetail,
    PartOfDay,
    SignalKind,
    VlpType,
)

ShortText = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, min_length=1, max_length=200)]
NoteText = Annotated[
    str, StringConstraints(pattern=r"^[^\x00\uD800-\uDFFF]*$", min_length=1, max_length=4000)
]


class _Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class _In(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", regex_engine="python-re"
    )


class DeadlineOut(_Out):
    """A case's first-contact deadline (R-FU-1) and where the case stands against it."""

    case_id: UUID
    opened_on: date = Field(description="The receipt the deadline counts from (Dutch date).")
    due_date: date
    working_days: int
    crisis: bool
    state: DeadlineState
    met_on: date | None = Field(description="When a person first tried to reach the resident.")


class QueueItem(_Out):
    """A case in the work queue: no personal data (the case detail is the matcher's)."""

    id: UUID
    municipality: str
    crisis: bool
    flags: list[CaseFlag]
    priority_score: Decimal
    signal_count: int
    offer_owed: bool
    opened_at: datetime
    deadline: DeadlineOut | None


class WorkQueue(_Out):
    """Open cases: the earliest deadline first, then crisis, then the highest priority."""

    items: list[QueueItem]


class AttemptIn(_In):
    """A contact attempt (R-FU-2). Outcomes are not a kind: register them as the outcome."""

    kind: ContactKind
    attempted_on: date
    part_of_day: PartOfDay | None = None
    result: ContactResult

    @field_validator("kind", mode="before")
    @classmethod
    def _not_an_outcome(cls, value: Any) -> Any:
        if isinstance(value, str) and value in set(OutcomeCategory):
            raise ValueError(f"{value} is an outcome, not a contact kind (R-FU-2)")
        return value


class AttemptOut(_Out):
    """A registered contact attempt."""

    id: UUID
    kind: ContactKind
    attempted_on: date
    part_of_day: PartOfDay | None
    result: ContactResult
    automatic: bool
    replied_on: date | None
    registered_by: str
    registered_at: datetime
    # Sent by the contact plan: the template (a letter's with its version) and Notify's id.
    template: str | None = None
    notify_id: UUID | None = None


class ReplyIn(_In):
    """The resident replied to a letter or card: recorded on that attempt (§8.5.3)."""

    replied_on: date


class ConsentIn(_In):
    """The resident's explicit written consent to tell the creditor (R-FU-4, §6)."""

    recorded_by: ShortText
    on: date
    how: ShortText


class OutcomeIn(_In):
    """A case's outcome (R-FU-4): category and the CBS export's detail; a refusal may carry the
    resident's reason and consent to tell the creditor."""

    category: OutcomeCategory
    detail: OutcomeDetail | None = None
    reason: ShortText | None = None
    consent: ConsentIn | None = None


class OutcomeOut(_Out):
    """A registered outcome."""

    id: UUID
    category: OutcomeCategory | None
    detail: OutcomeDetail
    reason: str | None
    consent_on: date | None
    registered_by: str
    registered_at: datetime


class ReopenIn(_In):
    """Why a closed case opens again (§8.8.2: the resident came back)."""

    reason: ShortText


class NoteIn(_In):
    """A dossier note."""

    text: NoteText


class NoteOut(_Out):
    """A dossier note; its text is gone once erased (R-MAT-5)."""

    id: UUID
    text: str | None
    written_by: str
    written_at: datetime


class CircumstancesIn(_In):
    """R-MAT-6: whom the offer goes to."""

    beschermingsbewind: bool = False
    curatele: bool = False


class FollowupOut(_Out):
    """The case's followup part: lifecycle, deadline, attempts, outcomes, notes, circumstances."""

    case_id: UUID
    status: CaseStatus
    deadline: DeadlineOut | None
    attempts: list[AttemptOut]
    outcomes: list[OutcomeOut]
    notes: list[NoteOut]
    beschermingsbewind: bool
    curatele: bool


class ShvItemOut(_Out):
    """A signal in the SHV professional's queue (R-BRP-4): who it is about (personal data,
    so reading the queue is audited) and what the creditor reported."""

    signal_id: UUID
    municipality: str
    vlp_id: str
    vlp_type: VlpType
    kind: SignalKind
    arrears_type: ArrearsType
    amount: Decimal
    received_at: datetime
    debt_help: DebtHelpStanding = Field(
        description="R-BRP-4: ACTIVE (receives debt help now) or RECENT_DECISION (a final "
        "decision less than 6 months ago)."
    )
    name: str | None = Field(description="Gone once erased (R-MAT-5).")
    bsn: str | None = Field(description="Gone once erased (R-MAT-5).")


class ShvQueue(_Out):
    """The open items of your municipalities, oldest receipt first."""

    items: list[ShvItemOut]


class ShvHandlingIn(_In):
    """What the SHV professional did and what came of it: BEKEND_BIJ_SHV (only while the
    resident receives debt help) or another outcome with its detail (R-FU-4)."""

    action_taken: NoteText = Field(description="What was done (personal data, R-MAT-5).")
    category: OutcomeCategory
    detail: OutcomeDetail | None = None
    reached: bool = Field(
        default=False, description="Whether the professional reached the resident."
    )


class ShvHandledOut(_Out):
    """A handled item of the SHV queue."""

    signal_id: UUID
    outcome_category: OutcomeCategory
    outcome_detail: OutcomeDetail
    handled_by: str
    handled_at: datetime


class CriteriaIn(_In):
    """When a step applies (R-FU-3); left out: either way."""

    phone_known: bool | None = None
    email_known: bool | None = None
    amount_over: Annotated[Decimal, Field(ge=0, le=1_000_000, decimal_places=2)] | None = None
    crisis: bool | None = None
    minors: bool | None = None


class StepIn(_In):
    """One step of the plan: `BRIEF`, `SMS_WHATSAPP` and `EMAIL` go out by themselves through
    Notify; `TELEFOON` and `HUISBEZOEK` are a person's tasks."""

    kind: ContactKind
    delay_working_days: Annotated[int, Field(ge=0, le=60)]
    criteria: CriteriaIn = Field(default_factory=CriteriaIn)

    @field_validator("kind")
    @classmethod
    def _plannable(cls, kind: ContactKind) -> ContactKind:
        if kind not in PLANNABLE:
            raise ValueError(f"a plan's step is one of {', '.join(sorted(PLANNABLE))}")
        return kind


class SenderIn(_In):
    """Who the automatic messages come from and how residents reach them (the letter's head,
    the SMS's and e-mail's text)."""

    name: ShortText
    phone: ShortText
    email: ShortText
    website: ShortText
    # As a sentence part: "op werkdagen van 9.00 tot 17.00 uur".
    reachable: ShortText
    return_address: Annotated[list[ShortText], Field(min_length=1, max_length=4)]


class ContactPlanIn(_In):
    """A municipality's contact plan: ordered steps and the sender of its messages."""

    steps: Annotated[list[StepIn], Field(min_length=1, max_length=20)]
    sender: SenderIn

    @model_validator(mode="after")
    def _distinct_steps(self) -> ContactPlanIn:
        keys = [(s.kind, s.delay_working_days) for s in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError("two steps of one kind on the same day")
        return self


class CriteriaOut(_Out):
    """When a step applies; null: either way."""

    phone_known: bool | None
    email_known: bool | None
    amount_over: Decimal | None
    crisis: bool | None
    minors: bool | None


class StepOut(_Out):
    """One step of a plan."""

    kind: ContactKind
    delay_working_days: int
    criteria: CriteriaOut


class SenderOut(_Out):
    """Who a plan's automatic messages come from."""

    name: str
    phone: str
    email: str
    website: str
    reachable: str
    return_address: list[str]


class ContactPlanOut(_Out):
    """The plan in force; version 0 is the national default, whose automatic steps wait for
    the municipality's own plan and sender."""

    municipality: str
    version: int
    steps: list[StepOut]
    sender: SenderOut | None


class PlannedStepOut(_Out):
    """A step of the plan for one case: its day, and whether it is for this case."""

    kind: ContactKind
    delay_working_days: int
    due_on: date
    automatic: bool
    # Why it is not for this case, if it is not.
    skipped: Skip | None
    # An automatic step: the attempt it was registered as, once sent.
    attempt_id: UUID | None = None
    sent: bool = False
    # Notify refused it for good (its error names), or the letter could not be made.
    refused: str | None = None


class CasePlanOut(_Out):
    """The contact plan as it applies to a case."""

    case_id: UUID
    plan_version: int
    steps: list[PlannedStepOut]
