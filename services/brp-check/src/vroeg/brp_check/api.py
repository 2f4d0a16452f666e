"""brp-check's HTTP routes."""

from __future__ import annotations

import hmac
from http import HTTPStatus
from typing import Annotated, cast
from uuid import UUID

from fastapi import APIRouter, Depends, Path
from fastapi.security import APIKeyHeader

from vroeg.brp_check import repository
from vroeg.brp_check.schemas import DebtHelpImport, DebtHelpImported, RouteOut
from vroeg.brp_check.settings import Settings
from vroeg.shared.deps import RuntimeDep, UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import Problem, problem_responses

router = APIRouter(tags=["routering"])
import_key = APIKeyHeader(name="X-Api-Key", auto_error=False, description="The import key.")


@router.get("/signalen/{signal_id}/route", summary="Where a signal was routed, and why.")
async def get_route(signal_id: UUID, uow: UnitOfWorkDep) -> RouteOut:
    """The route of a checked signal."""
    check = await repository.get_check(uow.session, signal_id)
    if check is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such signal checked.")
    return RouteOut(signal_id=check.signal_id, route=check.route, reasons=check.reasons)


@router.put(
    "/schuldhulp/{municipality}/registraties",
    summary="Import the residents known to debt help (R-BRP-4), replacing the last import.",
    responses=problem_responses(400, 401),
)
async def put_debt_help(
    municipality: Annotated[str, Path(pattern=r"^\d{4}$", description="CBS code")],
    body: DebtHelpImport,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    api_key: Annotated[str | None, Depends(import_key)],
) -> DebtHelpImported:
    """Only the holder of the import key may; the register is replaced in one transaction."""
    expected = cast(Settings, runtime.settings).debt_help_import_key.get_secret_value()
    if not api_key or not hmac.compare_digest(api_key, expected):
        raise Problem(
            HTTPStatus.UNAUTHORIZED,
            code="unauthorized",
            title="Unauthorized",
            detail="Send the import key in the X-Api-Key header.",
        )
    rows = [r.model_dump() for r in body.registraties]
    await repository.replace_debt_help(uow.session, municipality, rows, now_utc())
    return DebtHelpImported(municipality=municipality, count=len(rows))
