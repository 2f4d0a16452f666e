"""matcher's administration: a municipality's priority policy (R-MAT-4), versioned like
intake's policy. Operators sign in with role `admin`, for the municipalities of their
`gemeenten` claim; every saved version is audited in `matcher.audit_log`."""

from __future__ import annotations

from fastapi import APIRouter

from vroeg.matcher import repository
from vroeg.matcher.models import AuditEntry
from vroeg.matcher.schemas import (
    PriorityPolicyIn,
    PriorityPolicyOut,
    PriorityWeights,
    PriorityWeightsOut,
)
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import MunicipalityPath, Operator, ensure_serves

router = APIRouter(prefix="/beheer", tags=["beheer"])
SAVED = "priority-policy.saved"


@router.put(
    "/gemeenten/{municipality}/prioriteit",
    summary="Save a municipality's priority policy as its next version.",
    responses=problem_responses(400, 401, 403),
)
async def put_priority_policy(
    municipality: MunicipalityPath, body: PriorityPolicyIn, operator: Operator, uow: UnitOfWorkDep
) -> PriorityPolicyOut:
    """Weights and vulnerable postcode areas (R-MAT-4, §5.7); every score names the version
    that made it. Cases are scored with it from their next change on."""
    ensure_serves(operator, municipality)
    now = now_utc()
    areas = sorted(set(body.vulnerable_areas))
    saved = await repository.add_policy_version(
        uow.session,
        municipality,
        body.weights.model_dump(mode="json", by_alias=True),
        areas,
        saved_at=now,
        saved_by=operator.subject,
    )
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=municipality,
            at=now,
            actor=operator.subject,
            action=SAVED,
            case_id=None,
            details={"version": saved.version, **body.model_dump(mode="json", by_alias=True)},
        ),
    )
    return _out(municipality, saved.version, body.weights, areas)


@router.get(
    "/gemeenten/{municipality}/prioriteit",
    summary="A municipality's priority policy in force.",
    responses=problem_responses(400, 401, 403),
)
async def get_priority_policy(
    municipality: MunicipalityPath, operator: Operator, uow: UnitOfWorkDep
) -> PriorityPolicyOut:
    """Version 0 is the national default."""
    ensure_serves(operator, municipality)
    saved = (await repository.current_policies(uow.session, [municipality])).get(municipality)
    if saved is None:
        return _out(municipality, 0, PriorityWeights(), [])
    weights = PriorityWeights.model_validate(saved.weights)
    return _out(municipality, saved.version, weights, saved.vulnerable_areas)


def _out(
    municipality: str, version: int, weights: PriorityWeights, areas: list[str]
) -> PriorityPolicyOut:
    return PriorityPolicyOut(
        municipality=municipality,
        version=version,
        weights=PriorityWeightsOut(**weights.model_dump()),
        vulnerable_areas=areas,
    )
