"""feedback's HTTP routes."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from vroeg.feedback import repository
from vroeg.feedback.schemas import FeedbackOut
from vroeg.shared.deps import UnitOfWorkDep

router = APIRouter(tags=["terugkoppeling"])


@router.get("/signalen/{signal_id}/terugkoppelingen", summary="Feedback on one signal.")
async def list_feedback(signal_id: UUID, uow: UnitOfWorkDep) -> list[FeedbackOut]:
    """The feedback recorded for a signal, oldest first."""
    rows = await repository.feedback_for_signal(uow.session, signal_id)
    return [FeedbackOut.model_validate(row, from_attributes=True) for row in rows]
