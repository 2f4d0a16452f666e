"""The CBS (DDAS) export over HTTP (domain §9, §10): role `cbs-export` only, for the
municipalities of the caller's `gemeenten`; assembled on demand, never cached, every delivery
audited (who, when, which municipality and period, how many records)."""

from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from vroeg.matcher import ddas, export, repository
from vroeg.matcher.models import AuditEntry
from vroeg.matcher.settings import Settings
from vroeg.shared.deps import RuntimeDep, UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import Problem, problem_responses
from vroeg.shared.staff import Role, StaffMember, ensure_serves, requires

router = APIRouter(tags=["cbs-export"])
Exporter = Annotated[StaffMember, Depends(requires(Role.CBS_EXPORT))]
Municipality = Annotated[str, Path(pattern=r"^\d{4}$", description="CBS code")]
DELIVERED = "cbs-export.delivered"
# A delivery covers at most a year: enough for the annual one, and bounded work per request.
MAX_PERIOD = timedelta(days=366)
# The days a delivery can name: no signal is older than the Wgs, and dates stay far from the
# calendar's end (a period's end plus a day must exist).
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)

_DOCUMENT = {
    "description": "A delivery in VNG's DDAS Uitwisselmodel v0.9 (JSON Schema "
    "json_schema_Uitwisselmodel.json): the municipality's signals and cases of the period, "
    "with personal data (BSN, name, address).",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


@router.get(
    "/gemeenten/{municipality}/cbs-levering",
    summary="The CBS (DDAS) delivery of a municipality for a period (audited, never cached).",
    response_model=None,
    responses={200: _DOCUMENT, **problem_responses(400, 401, 403)},
)
async def get_delivery(
    municipality: Municipality,
    exporter: Exporter,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    startdatum: Annotated[date, Query(description="First day of the period (included).")],
    einddatum: Annotated[date, Query(description="Last day of the period (included).")],
) -> JSONResponse:
    """Every signal received in the period and every case opened in it (its first signal's
    receipt), as they stand now (see `vroeg.matcher.ddas` for the period's semantics)."""
    ensure_serves(exporter, municipality)
    if (
        einddatum < startdatum
        or einddatum - startdatum >= MAX_PERIOD
        or not EARLIEST <= startdatum <= einddatum <= LATEST
    ):
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            code="invalid-period",
            title="The period is not valid.",
            detail="`einddatum` is on or after `startdatum`, the period is at most a year, and "
            f"both lie from {EARLIEST} to {LATEST}.",
        )
    settings = runtime.settings
    assert isinstance(settings, Settings)
    now = now_utc()
    document = await export.delivery(
        uow.session,
        municipality,
        startdatum,
        einddatum,
        supplier=ddas.Supplier(
            settings.ddas_supplier_code, settings.ddas_organisation, settings.ddas_kvk_number
        ),
        now=now,
    )
    [levering] = document["leveringen"]
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=municipality,
            at=now,
            actor=exporter.subject,
            action=DELIVERED,
            case_id=None,
            details={
                "startdatum": startdatum.isoformat(),
                "einddatum": einddatum.isoformat(),
                "vroegsignalen": len(levering["vroegsignalen"]),
                "vroegsignaalzaken": len(levering["vroegsignaalzaken"]),
            },
        ),
    )
    # Made of JSON values already: sent as it is (FastAPI's encoder would walk it all again).
    # Personal data: no copy in any cache on the way (RFC 9111 §5.2.2.5).
    return JSONResponse(document, headers={"Cache-Control": "no-store"})
