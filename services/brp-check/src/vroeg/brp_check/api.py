"""brp-check's HTTP routes."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response, Security
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from vroeg.brp_check import repository
from vroeg.brp_check.debt_help import CsvError, registrations_from_csv
from vroeg.brp_check.models import AuditEntry
from vroeg.brp_check.schemas import DebtHelpImport, DebtHelpImported, RouteOut
from vroeg.brp_check.settings import Settings
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import Problem, problem_responses
from vroeg.shared.staff import (
    Role,
    StaffMember,
    ensure_serves,
    not_found_unless_serves,
    requires,
)

router = APIRouter(tags=["routering"])
import_key = APIKeyHeader(
    name="X-Api-Key", auto_error=False, description="The municipality's own import key."
)
bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token of the municipality's identity provider (OpenID Connect).",
)
CSV_EXAMPLE = "bsn,activeProduct,finalDecisionOn\n999990019,true,\n999990032,false,2026-09-30\n"


IMPORTER_ROLES = (Role.SHV_PROFESSIONAL, Role.ADMIN)
IMPORTED, ROUTE_READ = "debt-help.imported", "route.read"
# The import's own body cap, counted while the body streams in: a register of a million
# residents (DebtHelpImport's limit) is about 72 MB as JSON, half that as CSV.
IMPORT_MAX_BODY_BYTES = 96 * 1024 * 1024


@dataclass(frozen=True)
class Importer:
    """Who imports a municipality's register: a staff member (their subject) or its key."""

    actor: str


async def authorise_import(request: Request) -> Importer:
    """An OIDC token of `shv-professional` or `admin` for the path's municipality, or that
    municipality's own import key (12); else 401 or 403."""
    municipality = str(request.path_params["municipality"])
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
        member = await requires(*IMPORTER_ROLES)(request, credentials)
        ensure_serves(member, municipality)
        return Importer(member.subject)
    settings = cast(Settings, request.app.state.runtime.settings)
    key = request.headers.get("X-Api-Key")
    # SHA-256 of the key's bytes, compared as hex: no text comparison to raise on non-ASCII.
    expected = settings.debt_help_import_keys.get(municipality, "")
    given = hashlib.sha256(key.encode()).hexdigest() if key else ""
    if not key or not hmac.compare_digest(given, expected or "-"):
        raise Problem(
            HTTPStatus.UNAUTHORIZED,
            code="unauthorized",
            title="Unauthorized",
            detail="Send the municipality's import key in X-Api-Key, or an access token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Importer(f"import-key:{municipality}")


class ImportRoute(APIRoute):
    """Authenticates before a byte of the body is read, then takes the body as JSON, or as CSV
    (`text/csv`) turned into the same JSON first, so both are validated, and refused, alike."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            request.state.importer = await authorise_import(request)
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


def importer(
    request: Request,
    _key: Annotated[str | None, Security(import_key)],
    _token: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> Importer:
    """Who ImportRoute authenticated; the parameters only document the two ways in."""
    authorised: Importer = request.state.importer
    return authorised


imports = APIRouter(tags=["routering"], route_class=ImportRoute)
Staff = Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER, Role.REVIEWER))]


@router.get(
    "/signalen/{signal_id}/route",
    summary="Where a signal was routed, and why (staff of its municipality).",
    responses=problem_responses(401, 403, 404),
)
async def get_route(signal_id: UUID, staff: Staff, uow: UnitOfWorkDep) -> RouteOut:
    """The route of a checked signal. The reasons may name the municipality a debtor moved to,
    which is why only the municipality's own staff may read them (never the creditor, §6); each
    read is audit-logged."""
    check = await repository.get_check(uow.session, signal_id)
    not_found_unless_serves(staff, check.municipality if check else None, "signal checked")
    assert check is not None
    # Read like a review item (domain §10): who read which signal's route, and when.
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=check.municipality,
            at=now_utc(),
            actor=staff.subject,
            action=ROUTE_READ,
            signal_id=check.signal_id,
            details={},
        ),
    )
    return RouteOut(signal_id=check.signal_id, route=check.route, reasons=check.reasons)


@imports.put(
    "/schuldhulp/{municipality}/registraties",
    summary="Import the residents known to debt help (R-BRP-4), replacing the last import.",
    description="The body is JSON, or the administration's CSV export (`text/csv`).",
    responses=problem_responses(400, 401, 403, 413),
    max_body_size=IMPORT_MAX_BODY_BYTES,
    openapi_extra={
        "requestBody": {
            "content": {"text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE}}
        }
    },
)
async def put_debt_help(
    municipality: Annotated[str, Path(pattern=r"^\d{4}$", description="CBS code")],
    body: DebtHelpImport,
    who: Annotated[Importer, Depends(importer)],
    uow: UnitOfWorkDep,
) -> DebtHelpImported:
    """Only the municipality's own debt-help staff or key may; the register is replaced in one
    transaction, and the import is audited (who, when, how many)."""
    rows = [r.model_dump() for r in body.registraties]
    now = now_utc()
    replaced = await repository.replace_debt_help(uow.session, municipality, rows, now)
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=municipality,
            at=now,
            actor=who.actor,
            action=IMPORTED,
            signal_id=None,
            details={"imported": len(rows), "replaced": replaced},
        ),
    )
    return DebtHelpImported(municipality=municipality, count=len(rows))


router.include_router(imports)
