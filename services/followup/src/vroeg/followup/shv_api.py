"""The SHV professional's queue over HTTP (R-BRP-4), for role `shv-professional` in their
municipalities (another municipality's item is 404)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from vroeg.followup import repository, shv
from vroeg.followup.schemas import ShvHandledOut, ShvHandlingIn, ShvItemOut, ShvQueue
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import Problem, problem_responses
from vroeg.shared.staff import Role, StaffMember, ensure_serves, not_found_unless_serves, requires

router = APIRouter(prefix="/shv", tags=["schuldhulpverlening"])
Professional = Annotated[StaffMember, Depends(requires(Role.SHV_PROFESSIONAL))]
_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)


@router.get(
    "",
    summary="Signals of residents known to debt help, oldest first (audited).",
    responses=_ERRORS,
)
async def queue(
    staff: Professional,
    uow: UnitOfWorkDep,
    gemeente: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> ShvQueue:
    """The open items of your municipalities (or of one of them), oldest receipt first. They
    name the resident, so each read is recorded in the audit log."""
    if gemeente is not None:
        ensure_serves(staff, gemeente)
    municipalities = [gemeente] if gemeente else sorted(staff.municipalities)
    items = await repository.shv_queue(uow.session, municipalities, limit)
    await shv.read(uow, items, actor=staff.subject, now=now_utc())
    return ShvQueue(items=[ShvItemOut.model_validate(i, from_attributes=True) for i in items])


@router.post(
    "/{signal_id}/afhandeling",
    status_code=status.HTTP_201_CREATED,
    summary="Register what was done and the result; the item closes.",
    responses=_ERRORS,
)
async def post_handling(
    signal_id: UUID, body: ShvHandlingIn, staff: Professional, uow: UnitOfWorkDep
) -> ShvHandledOut:
    """`BEKEND_BIJ_SHV` only while the resident receives debt help (R-BRP-4 a); otherwise an
    outcome with its detail (R-FU-4)."""
    item = await repository.get_shv_item(uow.session, signal_id, for_update=True)
    not_found_unless_serves(staff, item.municipality if item else None, "item")
    assert item is not None
    if item.handled_at is not None:
        raise Problem(HTTPStatus.CONFLICT, code="handled", title="The item was handled already.")
    await shv.handle(
        uow,
        item,
        action_taken=body.action_taken,
        category=body.category,
        detail=body.detail,
        reached=body.reached,
        actor=staff.subject,
        now=now_utc(),
    )
    return ShvHandledOut.model_validate(item, from_attributes=True)
