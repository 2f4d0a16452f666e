"""Forwards as staff see them (Awb 2:3): which relocated signals went to the competent
municipality, which wait, and which could not be forwarded and why — only for the municipalities
of the caller's `gemeenten`. Creditors never see this (it names where a resident went, §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from vroeg.feedback import forwarding_repository as forwards
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import ForwardingOutcome
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import Role, StaffMember, ensure_serves, requires

router = APIRouter(tags=["doorsturen"])
MAX_LISTED = 500


class ForwardOut(BaseModel):
    """One relocated signal's forward (no personal data)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    signal_id: UUID
    municipality: str = Field(description="The forwarding municipality (the signal's).")
    destination: str = Field(description="The municipality the BRP registers the resident in.")
    status: str = Field(description="WAITING, FORWARDED or NOT_FORWARDED.")
    outcome: ForwardingOutcome | None = Field(
        default=None, description="Why it was or was not forwarded, once decided."
    )
    attempts: int
    last_error: str | None = Field(
        default=None, description="Why the last post failed (a status code or error class)."
    )
    next_attempt_at: datetime | None = None
    created_at: datetime
    decided_at: datetime | None = None


@router.get(
    "/doorsturingen",
    summary="Relocated signals forwarded, waiting, or not forwarded and why (Awb 2:3).",
    responses=problem_responses(400, 401, 403),
)
async def list_forwards(
    staff: Annotated[StaffMember, Depends(requires(Role.VROEGSIGNALEERDER))],
    uow: UnitOfWorkDep,
    gemeente: Annotated[
        str | None, Query(pattern=r"^\d{4}$", description="Only this municipality's (CBS code).")
    ] = None,
) -> list[ForwardOut]:
    """Newest first, at most 500; another municipality's `gemeente` is 403."""
    if gemeente is not None:
        ensure_serves(staff, gemeente)
    municipalities = {gemeente} if gemeente else staff.municipalities
    rows = await forwards.forwards_of(uow.session, municipalities, limit=MAX_LISTED)
    return [
        ForwardOut(
            signal_id=row.signal_id,
            municipality=row.municipality,
            destination=row.destination,
            status=row.status,
            outcome=ForwardingOutcome(row.outcome) if row.outcome else None,
            attempts=row.attempts,
            last_error=row.last_error,
            next_attempt_at=row.next_attempt_at if row.status == forwards.WAITING else None,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )
        for row in rows
    ]
