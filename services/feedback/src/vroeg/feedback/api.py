"""feedback's HTTP routes."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from vroeg.feedback import repository
from vroeg.feedback.schemas import FeedbackOut
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import Role, StaffMember, requires

router = APIRouter(tags=["terugkoppeling"])


@router.get(
    "/signalen/{signal_id}/terugkoppelingen",
    summary="Feedback on one signal (staff of its municipality).",
    responses=problem_responses(401, 403),
)
async def list_feedback(
    signal_id: UUID,
    staff: Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER))],
    uow: UnitOfWorkDep,
) -> list[FeedbackOut]:
    """The feedback recorded for a signal, oldest first; none for another municipality's."""
    rows = await repository.feedback_for_signal(uow.session, signal_id)
    rows = [row for row in rows if staff.serves(row.municipality)]
    return [FeedbackOut.model_validate(row, from_attributes=True) for row in rows]
