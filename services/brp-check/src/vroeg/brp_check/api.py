"""brp-check's HTTP routes."""

from __future__ import annotations

from http import HTTPStatus
from uuid import UUID

from fastapi import APIRouter

from vroeg.brp_check import repository
from vroeg.brp_check.schemas import RouteOut
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.http import Problem

router = APIRouter(tags=["routering"])


@router.get("/signalen/{signal_id}/route", summary="Where a signal was routed, and why.")
async def get_route(signal_id: UUID, uow: UnitOfWorkDep) -> RouteOut:
    """The route of a checked signal."""
    check = await repository.get_check(uow.session, signal_id)
    if check is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such signal checked.")
    return RouteOut(signal_id=check.signal_id, route=check.route, reasons=check.reasons)
