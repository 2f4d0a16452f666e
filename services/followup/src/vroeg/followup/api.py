"""followup's HTTP routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from vroeg.followup import repository
from vroeg.followup.schemas import DeadlineOut
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import Role, StaffMember, not_found_unless_serves, requires

router = APIRouter(tags=["opvolging"])


@router.get(
    "/meldingen/{case_id}/termijn",
    summary="When a case's first contact is due (staff of its municipality).",
    responses=problem_responses(401, 403, 404),
)
async def get_deadline(
    case_id: UUID,
    staff: Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER))],
    uow: UnitOfWorkDep,
) -> DeadlineOut:
    """The first-contact deadline of a case."""
    deadline = await repository.get_deadline(uow.session, case_id)
    not_found_unless_serves(staff, deadline.municipality if deadline else None, "deadline")
    return DeadlineOut.model_validate(deadline, from_attributes=True)
