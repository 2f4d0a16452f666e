"""Dead letters, for an operator (role `admin`) of the municipality whose feedback they carry:
list them, and replay one, or all of a creditor's; a replayed delivery is tried again as if
new (with a fresh retry window) and, once acknowledged, never sent again. Each replay records
who and when on the delivery."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from vroeg.feedback.webhooks import store
from vroeg.feedback.webhooks.schemas import VLP_ID_PATTERN, DeadLetterOut, ReplayIn, ReplayOut
from vroeg.shared.deps import RuntimeDep, UnitOfWorkDep
from vroeg.shared.http import Problem, problem_responses
from vroeg.shared.staff import MunicipalityPath, Operator, StaffMember, ensure_serves

router = APIRouter(prefix="/beheer/gemeenten/{municipality}/onbestelbare-webhooks", tags=["beheer"])
_ERRORS = problem_responses(400, 401, 403, 404, 409)


def _actor(admin: StaffMember) -> str:
    return f"oidc:{admin.subject}"


@router.get("", summary="A municipality's parked webhook deliveries.", responses=_ERRORS)
async def list_dead_letters(
    municipality: MunicipalityPath,
    admin: Operator,
    uow: UnitOfWorkDep,
    vlp_id: Annotated[str | None, Query(alias="vlpId", pattern=VLP_ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeadLetterOut]:
    """Oldest parked first, optionally of one creditor: why each failed, not what it says."""
    ensure_serves(admin, municipality)
    rows = await store.dead_letters(uow.session, municipality, vlp_id, limit)
    return [
        DeadLetterOut(
            id=row.id,
            vlp_id=row.vlp_id,
            attempts=row.attempts,
            last_status=row.last_status,
            last_error=row.last_error,
            created_at=row.created_at,
            dead_at=row.dead_at,
            replayable=row.body is not None,
        )
        for row in rows
    ]


@router.post(
    "/{delivery_id}/herbezorging",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Replay one parked webhook delivery.",
    responses=_ERRORS,
)
async def replay_one(
    municipality: MunicipalityPath,
    delivery_id: UUID,
    admin: Operator,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
) -> ReplayOut:
    """Back in the queue; 404 unless it is parked (a replayed one is no longer), 409 when its
    body was erased under the retention policy."""
    ensure_serves(admin, municipality)
    found = await store.dead_letter(uow.session, municipality, delivery_id)
    if found is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such dead letter.")
    if found.body is None:
        raise Problem(
            HTTPStatus.CONFLICT,
            code="erased",
            title="Erased.",
            detail="Its body was erased under the retention policy (R-MAT-5).",
        )
    replayed = await store.replay(
        uow.session,
        municipality,
        vlp_id=None,
        delivery_id=delivery_id,
        actor=_actor(admin),
        now=runtime.settings.clock.now(),
    )
    return ReplayOut(replayed=replayed)


@router.post(
    "/herbezorging",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Replay every parked webhook delivery of a creditor.",
    responses=_ERRORS,
)
async def replay_creditor(
    municipality: MunicipalityPath,
    body: ReplayIn,
    admin: Operator,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
) -> ReplayOut:
    """All of the creditor's parked deliveries of this municipality (erased ones stay)."""
    ensure_serves(admin, municipality)
    replayed = await store.replay(
        uow.session,
        municipality,
        vlp_id=body.vlp_id,
        delivery_id=None,
        actor=_actor(admin),
        now=runtime.settings.clock.now(),
    )
    return ReplayOut(replayed=replayed)
