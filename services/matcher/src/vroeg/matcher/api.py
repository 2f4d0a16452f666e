"""matcher's HTTP routes: the case detail for case workers (the work queue is followup's)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from vroeg.matcher import repository
from vroeg.matcher.models import AuditEntry, Case, CaseSignal
from vroeg.matcher.schemas import (
    CaseOut,
    CaseSignalOut,
    EarlierCaseOut,
    HouseholdOut,
    PriorityOut,
    RecidiveOut,
)
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import (
    CaseSignalFact,
    CaseState,
    OutcomeCategory,
    OutcomeDetail,
    now_utc,
)
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import Role, StaffMember, not_found_unless_serves, requires

router = APIRouter(tags=["meldingen"])
CaseWorker = Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER))]
OPENED = "case.opened"


@router.get(
    "/meldingen/{case_id}",
    summary="A case: its signals, household, recidive history and priority (audited).",
    responses=problem_responses(401, 403, 404),
)
async def get_case(case_id: UUID, staff: CaseWorker, uow: UnitOfWorkDep) -> CaseOut:
    """Shows personal data, so each read is recorded in the audit log (domain §10)."""
    case = await repository.get_case(uow.session, case_id)
    not_found_unless_serves(staff, case.municipality if case else None, "case")
    assert case is not None
    signals = await repository.case_signals(uow.session, case.id)
    history = await repository.earlier_cases(uow.session, case)
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=case.municipality,
            at=now_utc(),
            actor=staff.subject,
            action=OPENED,
            case_id=case.id,
            details={"signals": len(signals)},
        ),
    )
    return case_out(case, signals, history)


def case_out(case: Case, signals: list[CaseSignal], history: list[Case]) -> CaseOut:
    """A case as the case worker reads it."""
    state = CaseState.model_validate(case.state)
    facts = {f.signal_id: f for f in state.signals}
    previous = state.previous_case
    return CaseOut(
        id=case.id,
        municipality=case.municipality,
        status=state.status,
        version=state.version,
        crisis=state.crisis,
        flags=list(state.flags),
        first_signal_date=state.first_signal_date,
        last_signal_date=state.last_signal_date,
        opened_at=state.opened_at,
        offer_owed=state.offer_owed,
        signals=[
            _signal_out(row, facts[row.signal_id]) for row in signals if row.signal_id in facts
        ],
        household=HouseholdOut(
            size=state.household_size,
            minors_present=state.minors_present,
            postcode_area=state.postcode_area,
        ),
        recidive=RecidiveOut(
            recidive=state.recidive,
            consecutive=state.consecutive,
            previous_case_id=previous.case_id if previous else None,
            previous_outcome=previous.outcome if previous else None,
            history=[
                EarlierCaseOut(
                    id=earlier.id,
                    opened_at=earlier.opened_at,
                    status=earlier.status,
                    closed_at=earlier.closed_at,
                    outcome=OutcomeCategory(earlier.outcome) if earlier.outcome else None,
                    outcome_detail=OutcomeDetail(earlier.outcome_detail)
                    if earlier.outcome_detail
                    else None,
                )
                for earlier in history
            ],
        ),
        priority=PriorityOut(
            crisis=state.priority.crisis,
            score=state.priority.score,
            parts=list(state.priority.parts),
            policy_version=state.priority.policy_version,
        ),
    )


def _signal_out(row: CaseSignal, fact: CaseSignalFact) -> CaseSignalOut:
    data = row.data or {}  # empty once erased (R-MAT-5)
    return CaseSignalOut(
        **fact.model_dump(),
        debtor=data.get("debtor"),
        business_name=data.get("business_name"),
        address=data.get("address"),
        phone=data.get("phone"),
        email=data.get("email"),
    )
