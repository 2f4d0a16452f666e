"""reporting's administration: a municipality's monitor policy, versioned like the other
services' policies (`vroeg.shared.versions`). Operators sign in with role `admin`, for the
municipalities of their `gemeenten` claim; each version keeps who saved it and when."""

from __future__ import annotations

from fastapi import APIRouter

from vroeg.reporting.indicators.creditors import SILENT_WEEKS
from vroeg.reporting.models import MonitorPolicyVersion
from vroeg.reporting.schemas import MonitorPolicyIn, MonitorPolicyOut
from vroeg.shared import versions
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import MunicipalityPath, Operator, ensure_serves

router = APIRouter(prefix="/beheer", tags=["beheer"])


@router.put(
    "/gemeenten/{municipality}/monitorbeleid",
    summary="Save a municipality's monitor policy as its next version.",
    responses=problem_responses(400, 401, 403),
)
async def put_monitor_policy(
    municipality: MunicipalityPath, body: MonitorPolicyIn, operator: Operator, uow: UnitOfWorkDep
) -> MonitorPolicyOut:
    """The figures of every period, earlier ones too, are counted with it from now on."""
    ensure_serves(operator, municipality)
    saved = await versions.save_next(
        uow.session,
        MonitorPolicyVersion(
            municipality=municipality,
            silent_weeks=body.silent_weeks,
            saved_at=now_utc(),
            saved_by=operator.subject,
        ),
    )
    return MonitorPolicyOut(
        municipality=municipality, version=saved.version, silent_weeks=saved.silent_weeks
    )


@router.get(
    "/gemeenten/{municipality}/monitorbeleid",
    summary="A municipality's monitor policy in force.",
    responses=problem_responses(400, 401, 403),
)
async def get_monitor_policy(
    municipality: MunicipalityPath, operator: Operator, uow: UnitOfWorkDep
) -> MonitorPolicyOut:
    """Version 0 is the default."""
    ensure_serves(operator, municipality)
    saved = (await versions.newest(uow.session, MonitorPolicyVersion, [municipality])).get(
        municipality
    )
    if saved is None:
        return MonitorPolicyOut(municipality=municipality, version=0, silent_weeks=SILENT_WEEKS)
    return MonitorPolicyOut(
        municipality=municipality, version=saved.version, silent_weeks=saved.silent_weeks
    )
