"""matcher's HTTP routes."""

from __future__ import annotations

from http import HTTPStatus
from uuid import UUID

from fastapi import APIRouter

from vroeg.matcher import repository
from vroeg.matcher.schemas import CaseOut
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import CaseFlag
from vroeg.shared.http import Problem

router = APIRouter(tags=["meldingen"])


@router.get("/meldingen/{case_id}", summary="A case's status, without personal data.")
async def get_case(case_id: UUID, uow: UnitOfWorkDep) -> CaseOut:
    """One case."""
    found = await repository.get_case(uow.session, case_id)
    if found is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such case.")
    case, count = found
    return CaseOut(
        id=case.id,
        municipality=case.municipality,
        status=case.status,
        crisis=case.crisis,
        flags=[CaseFlag(f) for f in case.flags],
        signal_count=count,
    )
