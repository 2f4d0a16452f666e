"""matcher's HTTP routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from vroeg.matcher import repository
from vroeg.matcher.schemas import CaseOut
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import CaseFlag
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import Role, StaffMember, not_found_unless_serves, requires

router = APIRouter(tags=["meldingen"])


@router.get(
    "/meldingen/{case_id}",
    summary="A case's status, without personal data (staff of its municipality).",
    responses=problem_responses(401, 403, 404),
)
async def get_case(
    case_id: UUID,
    staff: Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER))],
    uow: UnitOfWorkDep,
) -> CaseOut:
    """One case."""
    found = await repository.get_case(uow.session, case_id)
    not_found_unless_serves(staff, found[0].municipality if found else None, "case")
    assert found is not None
    case, count = found
    return CaseOut(
        id=case.id,
        municipality=case.municipality,
        status=case.status,
        crisis=case.crisis,
        flags=[CaseFlag(f) for f in case.flags],
        signal_count=count,
    )
