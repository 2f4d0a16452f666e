"""followup's HTTP routes: the work queue and the case's followup part, for vroegsignaleerders
of the case's municipality (another municipality's case is 404)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status

from vroeg.followup import repository, rules, work
from vroeg.followup.models import Attempt, Deadline, FollowupCase
from vroeg.followup.schemas import (
    AttemptIn,
    AttemptOut,
    CircumstancesIn,
    DeadlineOut,
    FollowupOut,
    NoteIn,
    NoteOut,
    OutcomeIn,
    OutcomeOut,
    QueueItem,
    ReopenIn,
    ReplyIn,
    WorkQueue,
)
from vroeg.followup.settings import Settings
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import CaseFlag, CaseStatus, now_utc
from vroeg.shared.http import Problem, problem_responses
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.staff import Role, StaffMember, ensure_serves, not_found_unless_serves, requires

router = APIRouter(prefix="/meldingen", tags=["opvolging"])
CaseWorker = Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER))]
READ = "case.followup-read"
_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)


def _settings(request: Request) -> Settings:
    settings = request.app.state.runtime.settings
    assert isinstance(settings, Settings)
    return settings


SettingsDep = Annotated[Settings, Depends(_settings)]


def _deadline_out(deadline: Deadline, settings: Settings) -> DeadlineOut:
    return DeadlineOut(
        case_id=deadline.case_id,
        opened_on=deadline.opened_on,
        due_date=deadline.due_date,
        working_days=deadline.working_days,
        crisis=deadline.crisis,
        state=rules.deadline_state(
            settings.clock.today(), deadline.due_date, deadline.due_soon_on, deadline.met_on
        ),
        met_on=deadline.met_on,
    )


@router.get("", summary="Your open cases, earliest deadline first.", responses=_ERRORS)
async def work_queue(
    staff: CaseWorker,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
    gemeente: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> WorkQueue:
    """Open cases of your municipalities (or of one of them): by deadline, then crisis, then
    priority (R-FU-1, R-MAT-4), with flags and where each stands against its deadline."""
    if gemeente is not None:
        ensure_serves(staff, gemeente)
    municipalities = [gemeente] if gemeente else sorted(staff.municipalities)
    rows = await repository.work_queue(uow.session, municipalities, limit)
    return WorkQueue(
        items=[
            QueueItem(
                id=case.case_id,
                municipality=case.municipality,
                crisis=case.crisis,
                flags=[CaseFlag(f) for f in case.flags],
                priority_score=case.priority_score,
                signal_count=case.signal_count,
                offer_owed=case.offer_owed,
                opened_at=case.opened_at,
                deadline=_deadline_out(deadline, settings) if deadline else None,
            )
            for case, deadline in rows
        ]
    )


async def _case(uow: UnitOfWork, staff: StaffMember, case_id: UUID) -> FollowupCase:
    case = await repository.get_case(uow.session, case_id, for_update=True)
    not_found_unless_serves(staff, case.municipality if case else None, "case")
    assert case is not None
    return case


@router.get(
    "/{case_id}/termijn",
    summary="When a case's first contact is due, and where it stands.",
    responses=_ERRORS,
)
async def get_deadline(
    case_id: UUID, staff: CaseWorker, uow: UnitOfWorkDep, settings: SettingsDep
) -> DeadlineOut:
    """The first-contact deadline of a case (R-FU-1)."""
    deadline = await repository.get_deadline(uow.session, case_id)
    not_found_unless_serves(staff, deadline.municipality if deadline else None, "deadline")
    assert deadline is not None
    return _deadline_out(deadline, settings)


@router.get(
    "/{case_id}/opvolging",
    summary="A case's followup: lifecycle, deadline, attempts, outcomes, notes (audited).",
    responses=_ERRORS,
)
async def get_followup(
    case_id: UUID, staff: CaseWorker, uow: UnitOfWorkDep, settings: SettingsDep
) -> FollowupOut:
    """Notes are personal data, so each read is recorded in the audit log (domain §10)."""
    case = await _case(uow, staff, case_id)
    deadline = await repository.get_deadline(uow.session, case_id)
    attempts = await repository.attempts(uow.session, case_id)
    outcomes = await repository.outcomes(uow.session, case_id)
    notes = await repository.notes(uow.session, case_id)
    await work.read(uow, case, actor=staff.subject, now=now_utc())
    return FollowupOut(
        case_id=case.case_id,
        status=CaseStatus(case.status),
        deadline=_deadline_out(deadline, settings) if deadline else None,
        attempts=[AttemptOut.model_validate(a, from_attributes=True) for a in attempts],
        outcomes=[OutcomeOut.model_validate(o, from_attributes=True) for o in outcomes],
        notes=[NoteOut.model_validate(n, from_attributes=True) for n in notes],
        beschermingsbewind=case.beschermingsbewind,
        curatele=case.curatele,
    )


@router.post(
    "/{case_id}/contactpogingen",
    status_code=status.HTTP_201_CREATED,
    summary="Register a contact attempt (R-FU-2).",
    responses=_ERRORS,
)
async def post_attempt(
    case_id: UUID, body: AttemptIn, staff: CaseWorker, uow: UnitOfWorkDep, settings: SettingsDep
) -> AttemptOut:
    """A person's attempt picks the case up (R-FU-1); outcomes are not a kind."""
    case = await _case(uow, staff, case_id)
    deadline = await repository.get_deadline(uow.session, case_id, for_update=True)
    attempt = await work.register_attempt(
        uow,
        case,
        deadline,
        kind=body.kind,
        attempted_on=body.attempted_on,
        part_of_day=body.part_of_day,
        result=body.result,
        automatic=False,
        actor=staff.subject,
        now=now_utc(),
        today=settings.clock.today(),
    )
    return AttemptOut.model_validate(attempt, from_attributes=True)


@router.patch(
    "/{case_id}/contactpogingen/{attempt_id}",
    summary="Record the resident's reply on a letter's attempt (§8.5.3).",
    responses=_ERRORS,
)
async def patch_attempt(
    case_id: UUID,
    attempt_id: UUID,
    body: ReplyIn,
    staff: CaseWorker,
    uow: UnitOfWorkDep,
    settings: SettingsDep,
) -> AttemptOut:
    """A reply to a letter is recorded on that letter's attempt, not as a new one."""
    case = await _case(uow, staff, case_id)
    attempt = await uow.session.get(Attempt, attempt_id, with_for_update=True)
    if attempt is None or attempt.case_id != case.case_id:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such attempt.")
    await work.record_reply(
        uow,
        case,
        attempt,
        replied_on=body.replied_on,
        actor=staff.subject,
        now=now_utc(),
        today=settings.clock.today(),
    )
    return AttemptOut.model_validate(attempt, from_attributes=True)


@router.post(
    "/{case_id}/uitkomst",
    status_code=status.HTTP_201_CREATED,
    summary="Register the case's outcome, which closes it (R-FU-4).",
    responses=_ERRORS,
)
async def post_outcome(
    case_id: UUID, body: OutcomeIn, staff: CaseWorker, uow: UnitOfWorkDep
) -> OutcomeOut:
    """The detail must be one of the category's; `WIL_HULP` needs one."""
    case = await _case(uow, staff, case_id)
    if case.status != CaseStatus.OPEN:
        raise Problem(HTTPStatus.CONFLICT, code="closed", title="The case is closed.")
    consent = (
        (body.consent.recorded_by, body.consent.on, body.consent.how) if body.consent else None
    )
    outcome = await work.register_outcome(
        uow,
        case,
        category=body.category,
        detail=body.detail,
        reason=body.reason,
        consent=consent,
        actor=staff.subject,
        now=now_utc(),
    )
    return OutcomeOut.model_validate(outcome, from_attributes=True)


@router.post(
    "/{case_id}/heropening",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Reopen a closed case, with the reason (§8.8.2).",
    responses=_ERRORS,
)
async def post_reopen(case_id: UUID, body: ReopenIn, staff: CaseWorker, uow: UnitOfWorkDep) -> None:
    """The resident came back; the reopening and its reason are kept."""
    case = await _case(uow, staff, case_id)
    await work.reopen(uow, case, reason=body.reason, actor=staff.subject, now=now_utc())


@router.post(
    "/{case_id}/notities",
    status_code=status.HTTP_201_CREATED,
    summary="Write a dossier note.",
    responses=_ERRORS,
)
async def post_note(case_id: UUID, body: NoteIn, staff: CaseWorker, uow: UnitOfWorkDep) -> NoteOut:
    """E.g. the weighing a deceased debtor's case needs before it closes (R-BRP-2)."""
    case = await _case(uow, staff, case_id)
    note = await work.write_note(uow, case, text=body.text, actor=staff.subject, now=now_utc())
    return NoteOut.model_validate(note, from_attributes=True)


@router.put(
    "/{case_id}/omstandigheden",
    summary="Record beschermingsbewind or curatele (R-MAT-6).",
    responses=_ERRORS,
)
async def put_circumstances(
    case_id: UUID, body: CircumstancesIn, staff: CaseWorker, uow: UnitOfWorkDep
) -> CircumstancesIn:
    """Under curatele the offer goes through the curator; under beschermingsbewind still to
    the resident."""
    case = await _case(uow, staff, case_id)
    await work.set_circumstances(
        uow,
        case,
        beschermingsbewind=body.beschermingsbewind,
        curatele=body.curatele,
        actor=staff.subject,
        now=now_utc(),
    )
    return body
