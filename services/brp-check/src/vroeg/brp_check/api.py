"""brp-check's HTTP routes."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader

from vroeg.brp_check import repository
from vroeg.brp_check.debt_help import CsvError, registrations_from_csv
from vroeg.brp_check.schemas import DebtHelpImport, DebtHelpImported, RouteOut
from vroeg.brp_check.settings import Settings
from vroeg.shared.deps import RuntimeDep, UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import Problem, problem_responses
from vroeg.shared.staff import Role, StaffMember, not_found_unless_serves, requires

router = APIRouter(tags=["routering"])
import_key = APIKeyHeader(name="X-Api-Key", auto_error=False, description="The import key.")
CSV_EXAMPLE = "bsn,activeProduct,finalDecisionOn\n999990019,true,\n999990032,false,2026-09-30\n"


class CsvOrJsonRoute(APIRoute):
    """Takes the body as JSON, or as CSV (`text/csv`) turned into the same JSON first, so both
    are validated, and refused, the same way."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            if request.headers.get("content-type", "").split(";")[0].strip() != "text/csv":
                return await handle(request)
            try:
                body = json.dumps(registrations_from_csv(await request.body())).encode()
            except CsvError as exc:
                raise Problem(
                    HTTPStatus.BAD_REQUEST,
                    code="invalid-request",
                    title="The request is not valid.",
                    detail=f"{exc}.",
                ) from exc
            headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
            scope = {**request.scope, "headers": [*headers, (b"content-type", b"application/json")]}
            as_json = Request(scope, request.receive)
            as_json._body = body  # the body already read, now as JSON
            return await handle(as_json)

        return handler


imports = APIRouter(tags=["routering"], route_class=CsvOrJsonRoute)
Staff = Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER, Role.REVIEWER))]


@router.get(
    "/signalen/{signal_id}/route",
    summary="Where a signal was routed, and why (staff of its municipality).",
    responses=problem_responses(401, 403, 404),
)
async def get_route(signal_id: UUID, staff: Staff, uow: UnitOfWorkDep) -> RouteOut:
    """The route of a checked signal. The reasons may name the municipality a debtor moved to,
    which is why only the municipality's own staff may read them (never the creditor, §6)."""
    check = await repository.get_check(uow.session, signal_id)
    not_found_unless_serves(staff, check.municipality if check else None, "signal checked")
    assert check is not None
    return RouteOut(signal_id=check.signal_id, route=check.route, reasons=check.reasons)


@imports.put(
    "/schuldhulp/{municipality}/registraties",
    summary="Import the residents known to debt help (R-BRP-4), replacing the last import.",
    description="The body is JSON, or the administration's CSV export (`text/csv`).",
    responses=problem_responses(400, 401),
    openapi_extra={
        "requestBody": {
            "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}}
        }
    },
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


router.include_router(imports)
