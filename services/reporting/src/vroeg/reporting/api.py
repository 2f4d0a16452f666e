"""reporting's HTTP routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from vroeg.reporting import repository, rules
from vroeg.reporting.schemas import Counts
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import ContactKind, ForwardingOutcome, RefusalReason, Route
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import Role, StaffMember, ensure_serves, requires

router = APIRouter(tags=["monitor"])


@router.get(
    "/gemeenten/{municipality}/tellingen",
    summary="Running totals of a municipality (its analysts).",
    responses=problem_responses(401, 403),
)
async def get_counts(
    municipality: Annotated[str, Path(pattern=r"^\d{4}$", description="CBS code")],
    analyst: Annotated[StaffMember, Depends(requires(Role.ANALYST))],
    uow: UnitOfWorkDep,
) -> Counts:
    """Signals, routes, cases and deadlines counted so far."""
    ensure_serves(analyst, municipality)
    values = await repository.counters(uow.session, municipality)
    return Counts(
        municipality=municipality,
        signalen=values.get(rules.SIGNALS, 0),
        niet_opgepakt={r: values.get(f"{rules.REFUSED_PREFIX}{r.value}", 0) for r in RefusalReason},
        routes={r: values.get(f"{rules.ROUTE_PREFIX}{r.value}", 0) for r in Route},
        meldingen=values.get(rules.CASES, 0),
        crisismeldingen=values.get(rules.CRISIS_CASES, 0),
        termijnen_gezet=values.get(rules.DEADLINES, 0),
        termijnen_gehaald=values.get(rules.DEADLINES_MET, 0),
        termijnen_te_laat_gehaald=values.get(rules.DEADLINES_MET_LATE, 0),
        termijnen_gemist=values.get(rules.DEADLINES_MISSED, 0),
        contactpogingen={k: values.get(f"{rules.ATTEMPT_PREFIX}{k.value}", 0) for k in ContactKind},
        doorgestuurd={
            o: values.get(f"{rules.FORWARDED_PREFIX}{o.value}", 0) for o in ForwardingOutcome
        },
    )
