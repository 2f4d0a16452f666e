"""feedback's HTTP routes: the creditors' own feedback by polling (API key), and a signal's
feedback for staff of its municipality."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from vroeg.feedback import repository
from vroeg.feedback.models import Feedback
from vroeg.feedback.repository import Addressee, Cursor
from vroeg.feedback.schemas import FeedbackOut, FeedbackPage
from vroeg.shared.creditor_keys import KeyHolder, authenticate, authenticate_request
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import KeyHolderKind
from vroeg.shared.http import Problem, guarded_route, problem_responses
from vroeg.shared.staff import Role, StaffMember, requires

router = APIRouter(tags=["terugkoppeling"])
# Creditors (and municipalities that forwarded signals here) with their API key, checked
# before anything else (`vroeg.shared.creditor_keys`).
creditor_router = APIRouter(
    tags=["terugkoppeling"], route_class=guarded_route(authenticate_request)
)

CURSOR_PATTERN = r"^\d{1,20}\.\d{1,19}$"
_CURSOR = re.compile(CURSOR_PATTERN)


def addressee_of(holder: Annotated[KeyHolder, Depends(authenticate)]) -> Addressee:
    """Whose feedback the caller reads: a creditor its own signals'; a municipality that
    forwarded signals here the feedback on those (it tells the creditor as its own)."""
    if holder.kind is KeyHolderKind.MUNICIPALITY:
        return Addressee(vlp_id=None, forwarded_by=holder.id)
    return Addressee(vlp_id=holder.id, forwarded_by=None)


AddresseeDep = Annotated[Addressee, Depends(addressee_of)]


def _out(row: Feedback) -> FeedbackOut:
    return FeedbackOut.model_validate(row, from_attributes=True)


@creditor_router.get(
    "/terugkoppelingen",
    summary="The caller's own feedback, oldest first, a page at a time.",
    responses=problem_responses(401),
)
async def poll_feedback(
    addressee: AddresseeDep,
    uow: UnitOfWorkDep,
    after: Annotated[
        str | None,
        Query(
            pattern=CURSOR_PATTERN,
            max_length=41,
            description="The `cursor` of the previous page; leave out to start at the first.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many.")] = 100,
) -> FeedbackPage:
    """Feedback on the caller's own signals, in a stable order: a page never skips feedback
    that is recorded later, so asking again with `after` set to the last `cursor` misses
    nothing and repeats nothing."""
    start = _parse(after)
    rows = await repository.page(uow.session, addressee, start, limit)
    cursor = rows[-1][1] if rows else start
    return FeedbackPage(
        items=[_out(row) for row, _ in rows],
        cursor=f"{cursor.txid}.{cursor.position}" if cursor else None,
    )


@creditor_router.get(
    "/terugkoppelingen/{feedback_id}",
    summary="One piece of the caller's own feedback.",
    responses=problem_responses(401, 404),
)
async def one_feedback(
    feedback_id: UUID, addressee: AddresseeDep, uow: UnitOfWorkDep
) -> FeedbackOut:
    """Feedback on one of the caller's own signals; anyone else's is not found."""
    row = await repository.one_for(uow.session, addressee, feedback_id)
    if row is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such feedback.")
    return _out(row)


def _parse(after: str | None) -> Cursor | None:
    if after is None:
        return None
    assert _CURSOR.match(after)  # the query's pattern let nothing else through
    txid, position = (int(part) for part in after.split("."))
    if txid >= 2**64 or position >= 2**63:  # xid8 and bigint: no cursor we gave
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            code="invalid-cursor",
            title="The cursor is not one this service gave.",
            detail="Pass the `cursor` of a previous page as `after`, or leave `after` out.",
        )
    return Cursor(txid, position)


@router.get(
    "/signalen/{signal_id}/terugkoppelingen",
    summary="Feedback on one signal (staff of its municipality).",
    responses=problem_responses(401, 403),
)
async def list_feedback(
    signal_id: UUID,
    staff: Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER))],
    uow: UnitOfWorkDep,
) -> list[FeedbackOut]:
    """The feedback recorded for a signal, oldest first; none for another municipality's."""
    rows = await repository.feedback_for_signal(uow.session, signal_id)
    return [_out(row) for row in rows if staff.serves(row.municipality)]
