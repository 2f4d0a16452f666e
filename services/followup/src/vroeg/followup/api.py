"""followup's HTTP routes."""

from __future__ import annotations

from http import HTTPStatus
from uuid import UUID

from fastapi import APIRouter

from vroeg.followup import repository
from vroeg.followup.schemas import DeadlineOut
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.http import Problem

router = APIRouter(tags=["opvolging"])


@router.get("/meldingen/{case_id}/termijn", summary="When a case's first contact is due.")
async def get_deadline(case_id: UUID, uow: UnitOfWorkDep) -> DeadlineOut:
    """The first-contact deadline of a case."""
    deadline = await repository.get_deadline(uow.session, case_id)
    if deadline is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No deadline for that case.")
    return DeadlineOut.model_validate(deadline, from_attributes=True)
