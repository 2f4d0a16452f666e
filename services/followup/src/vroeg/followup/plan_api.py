"""The contact plan over HTTP (R-FU-3): operators (role `admin`, for the municipalities of their
`gemeenten` claim) save a municipality's plan as its next version under `/v1/beheer/…`, each
version audited in `followup.audit_log`; case workers see how the plan applies to a case."""

from __future__ import annotations

from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from vroeg.followup import contact_plan, repository
from vroeg.followup.api import CaseWorker, SettingsDep
from vroeg.followup.models import AuditEntry
from vroeg.followup.outreach import facts_of, steps_of
from vroeg.followup.schemas import (
    CasePlanOut,
    ContactPlanIn,
    ContactPlanOut,
    CriteriaIn,
    PlannedStepOut,
    SenderIn,
    SenderOut,
    StepIn,
    StepOut,
)
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import MunicipalityPath, Operator, ensure_serves, not_found_unless_serves

router = APIRouter(tags=["contactplan"])
SAVED = "contact-plan.saved"


@router.put(
    "/beheer/gemeenten/{municipality}/contactplan",
    summary="Save a municipality's contact plan as its next version.",
    responses=problem_responses(400, 401, 403),
)
async def put_contact_plan(
    municipality: MunicipalityPath, body: ContactPlanIn, operator: Operator, uow: UnitOfWorkDep
) -> ContactPlanOut:
    """Ordered steps with their delay in working days from the case's opening and criteria,
    and the sender of the automatic messages; open cases follow it from now on (a step a
    case already had, same kind and day, is not sent again)."""
    ensure_serves(operator, municipality)
    now = now_utc()
    body_json = body.model_dump(mode="json", by_alias=True)
    saved = await repository.add_plan_version(
        uow.session,
        municipality,
        body_json["steps"],
        body_json["sender"],
        saved_at=now,
        saved_by=operator.subject,
    )
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=municipality,
            at=now,
            actor=operator.subject,
            action=SAVED,
            case_id=None,
            details={"version": saved.version, **body_json},
        ),
    )
    return _out(municipality, saved.version, body.steps, body.sender)


@router.get(
    "/beheer/gemeenten/{municipality}/contactplan",
    summary="A municipality's contact plan in force.",
    responses=problem_responses(400, 401, 403),
)
async def get_contact_plan(
    municipality: MunicipalityPath, operator: Operator, uow: UnitOfWorkDep
) -> ContactPlanOut:
    """Version 0 is the national default: a letter at once, an SMS when a phone number is
    known, a call, a home visit for a crisis case; its automatic steps wait for the
    municipality's own plan, which names the sender."""
    ensure_serves(operator, municipality)
    saved = (await repository.plans_in_force(uow.session, [municipality])).get(municipality)
    if saved is None:
        steps = [
            StepIn(
                kind=s.kind,
                delay_working_days=s.delay_working_days,
                criteria=CriteriaIn(**vars(s.criteria)),
            )
            for s in contact_plan.DEFAULT_STEPS
        ]
        return _out(municipality, 0, steps, None)
    return _out(
        municipality,
        saved.version,
        [StepIn.model_validate(s) for s in saved.steps],
        SenderIn.model_validate(saved.sender),
    )


def _out(
    municipality: str, version: int, steps: list[StepIn], sender: SenderIn | None
) -> ContactPlanOut:
    return ContactPlanOut(
        municipality=municipality,
        version=version,
        steps=[StepOut.model_validate(s.model_dump()) for s in steps],
        sender=SenderOut.model_validate(sender.model_dump()) if sender else None,
    )


@router.get(
    "/meldingen/{case_id}/contactplan",
    summary="The contact plan as it applies to a case: each step's day, and what became of it.",
    responses=problem_responses(400, 401, 403, 404),
)
async def get_case_plan(
    case_id: UUID, staff: CaseWorker, uow: UnitOfWorkDep, settings: SettingsDep
) -> CasePlanOut:
    """The person's tasks (a call, a home visit) with their day; the automatic steps with
    whether they went out. A home visit is never planned for an ONDERNEMER case (R-MAT-6)."""
    case = await repository.get_case(uow.session, case_id)
    not_found_unless_serves(staff, case.municipality if case else None, "case")
    assert case is not None
    saved = (await repository.plans_in_force(uow.session, [case.municipality])).get(
        case.municipality
    )
    contacts = await repository.get_contacts(uow.session, case_id)
    sends = await repository.case_sends(uow.session, case_id)
    planned = contact_plan.plan(
        steps_of(saved),
        facts_of(case, contacts, ZoneInfo(settings.timezone)),
        settings.decreed_days_off,
    )
    steps = []
    for p in planned:
        send = sends.get(p.step.key)
        steps.append(
            PlannedStepOut(
                kind=p.step.kind,
                delay_working_days=p.step.delay_working_days,
                due_on=p.due_on,
                automatic=p.step.automatic,
                skipped=p.skip,
                attempt_id=send.attempt_id if send and send.sent_at else None,
                sent=bool(send and send.sent_at),
                refused=send.refused if send else None,
            )
        )
    return CasePlanOut(case_id=case_id, plan_version=saved.version if saved else 0, steps=steps)
