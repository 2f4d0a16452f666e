"""The review queue (uitval, R-BRP-5): reviewers list, open and decide what the BRP check could
not route, each only for the municipalities they work for (domain §10).

Opening an item shows personal data and is audit-logged; a decision records who, when, what
and why, and sends the signal on the route it gives, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import date
from http import HTTPStatus
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from vroeg.brp_check import repository, rules
from vroeg.brp_check.brp import BrpCandidate
from vroeg.brp_check.models import AuditEntry, Review
from vroeg.brp_check.routing import Router
from vroeg.brp_check.schemas import (
    Candidate,
    DecisionIn,
    DecisionOut,
    Registration,
    ReviewedSignal,
    ReviewItem,
    ReviewOut,
    ReviewQueue,
    Suspension,
)
from vroeg.shared import metrics
from vroeg.shared.calendar import working_days_between
from vroeg.shared.clock import dutch_date
from vroeg.shared.deps import RuntimeDep, UnitOfWorkDep
from vroeg.shared.events import CRISIS_KINDS, Route, SignalData, now_utc
from vroeg.shared.http import Problem, problem_responses
from vroeg.shared.messaging.consumer import DependencyUnavailable
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.staff import Role, StaffMember, ensure_serves, requires
from vroeg.shared.telemetry import continuing

router = APIRouter(prefix="/uitval", tags=["uitval"])
Reviewer = Annotated[StaffMember, Depends(requires(Role.REVIEWER))]
OPENED, DECIDED = "review.opened", "review.decided"


def get_router(runtime: RuntimeDep) -> Router:
    """The BRP and debt-help lookups the consumer routes with."""
    return runtime.resources.get(Router)


RouterDep = Annotated[Router, Depends(get_router)]


@router.get(
    "",
    summary="The open review items of your municipalities: crisis items first, with their "
    "deadline; each group oldest first.",
    responses=problem_responses(401, 403),
)
async def list_reviews(
    reviewer: Reviewer,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    municipality: Annotated[
        str | None,
        Query(alias="gemeente", pattern=r"^\d{4}$", description="Only this municipality (CBS)."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ReviewQueue:
    """Carries no personal data; open an item to see it. A crisis signal (announced
    disconnection or eviction) must be picked up within 3 working days of receipt however long
    review takes (R-FU-1): its items come first, each with that deadline (`firstContactDue`)."""
    scope = _scope(reviewer, municipality)
    items = await repository.open_reviews(uow.session, scope, limit)
    total = await repository.count_open_reviews(uow.session, scope)
    decreed = runtime.settings.decreed_days_off
    return ReviewQueue(total=total, items=[_item(r, decreed) for r in items])


@router.get(
    "/{signal_id}",
    summary="One review item with the BRP's candidates (audit-logged).",
    responses=problem_responses(401, 403, 404, 503),
)
async def open_review(
    signal_id: UUID,
    reviewer: Reviewer,
    uow: UnitOfWorkDep,
    routing: RouterDep,
    runtime: RuntimeDep,
) -> ReviewOut:
    """The signal's data and the candidates: those the BRP check found, and whoever is
    registered at the signal's address. The read is recorded in the audit log."""
    review = await _get(uow, signal_id, reviewer)
    candidates: list[Candidate] = []
    if review.signal is not None:
        signal = SignalData.model_validate(review.signal)
        with _brp_unavailable_is_503():
            at_address = await routing.brp.registered_at(signal.address)
            found = await routing.brp.review_candidates(
                list(dict.fromkeys([*(review.candidate_bsns or []), *at_address]))
            )
        candidates = [_candidate(c, review.candidate_bsns or [], at_address) for c in found]
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=review.municipality,
            at=now_utc(),
            actor=reviewer.subject,
            action=OPENED,
            signal_id=review.signal_id,
            details={"candidates_shown": [c.bsn for c in candidates]},
        ),
    )
    return _out(review, candidates, runtime.settings.decreed_days_off)


@router.post(
    "/{signal_id}/besluit",
    summary="Decide a review item; the signal goes on the route the decision gives.",
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def decide_review(
    signal_id: UUID, body: DecisionIn, reviewer: Reviewer, uow: UnitOfWorkDep, routing: RouterDep
) -> DecisionOut:
    """`candidate` must name a person shown when the item was opened; `signal-data` routes the
    debtor as the signal describes them; `legal-person` ends it (NIET_OPGEPAKT, RECHTSPERSOON).
    An item is decided once: a second decision gets 409."""
    review = await _get(uow, signal_id, reviewer, for_update=True)
    if review.signal is None and review.decided_at is None:
        raise Problem(
            HTTPStatus.CONFLICT,
            code="erased",
            title="Conflict",
            detail="Its personal data was erased under the retention policy (R-MAT-5).",
        )
    if review.signal is None or review.decided_at is not None:
        raise Problem(
            HTTPStatus.CONFLICT,
            code="already-decided",
            title="Conflict",
            detail=f"Decided by {review.decided_by} at {review.decided_at:%Y-%m-%d %H:%M} UTC.",
        )
    signal = SignalData.model_validate(review.signal)
    with _brp_unavailable_is_503():
        person, address_key = None, None
        if body.choice is rules.ReviewChoice.CANDIDATE:
            assert body.bsn is not None
            # The search's candidates are stored; the address is asked only for another BSN.
            offered = body.bsn in (review.candidate_bsns or []) or body.bsn in (
                await routing.brp.registered_at(signal.address)
            )
            person = await routing.brp.person(body.bsn) if offered else None
            if person is None:
                raise _unroutable("`bsn` is not one of the item's candidates.")
            address_key = person.address_key
        elif body.choice is rules.ReviewChoice.SIGNAL_DATA:
            residents = await routing.brp.registered_at(signal.address)
            resident = await routing.brp.person(residents[0]) if residents else None
            address_key = resident.address_key if resident else None
        try:
            decision = rules.decide_after_review(
                body.choice,
                person=person,
                municipality=review.municipality,
                signal_date=signal.signal_date,
                signal_birth_date=signal.debtor.geboortedatum if signal.debtor else None,
                debt_help=await routing.standing(uow, review.municipality, person),
            )
        except rules.Undecidable as exc:
            raise _unroutable(f"The chosen person's record gives no route ({exc}).") from exc
        now = now_utc()
        # The routed signal goes on in the signal's trace, linked to this request (issue 8, 9).
        with continuing(review.traceparent, "review decision"):
            await routing.send(
                uow,
                municipality=review.municipality,
                signal=signal,
                decision=decision,
                address_key=address_key,
                born=person.birth_date if person else None,
                reviewed=True,
                now=now,
            )
    review.decided_at, review.decided_by = now, reviewer.subject
    review.choice, review.chosen_bsn, review.explanation = body.choice, body.bsn, body.explanation
    review.route = decision.route
    # The signal went on with its data; the queue keeps the decision, not the personal data.
    review.signal, review.candidate_bsns = None, None
    await repository.set_route(uow.session, review.signal_id, decision.route, decision.reasons)
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=review.municipality,
            at=now,
            actor=reviewer.subject,
            action=DECIDED,
            signal_id=review.signal_id,
            details={
                "choice": body.choice.value,
                "bsn": body.bsn,
                "explanation": body.explanation,
                "route": decision.route.value,
                "reasons": list(decision.reasons),
            },
        ),
    )
    decision_out = _decision(review)
    assert decision_out is not None
    return decision_out


def _scope(reviewer: StaffMember, municipality: str | None) -> list[str]:
    if municipality is None:
        return sorted(reviewer.municipalities)
    ensure_serves(reviewer, municipality)
    return [municipality]


async def _get(
    uow: UnitOfWorkDep, signal_id: UUID, reviewer: StaffMember, *, for_update: bool = False
) -> Review:
    review = await repository.get_review(
        uow.session, signal_id, sorted(reviewer.municipalities), for_update=for_update
    )
    if review is None:  # also another municipality's item: its existence is not told either
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such review item.")
    return review


@contextmanager
def _brp_unavailable_is_503() -> Iterator[None]:
    try:
        yield
    except DependencyUnavailable as exc:
        raise Problem(
            HTTPStatus.SERVICE_UNAVAILABLE,
            code="brp-unavailable",
            title="Service Unavailable",
            detail="The BRP cannot be reached; nothing was changed. Try again later.",
        ) from exc


def _unroutable(detail: str) -> Problem:
    return Problem(
        HTTPStatus.UNPROCESSABLE_ENTITY, code="not-routable", title="Not routable", detail=detail
    )


def _item(review: Review, decreed_days_off: Collection[date]) -> ReviewItem:
    return ReviewItem(**_item_fields(review, decreed_days_off))


def _item_fields(review: Review, decreed_days_off: Collection[date]) -> dict[str, Any]:
    crisis = rules.is_crisis(review.kind)
    return {
        "signal_id": review.signal_id,
        "municipality": review.municipality,
        "queued_at": review.queued_at,
        "received_at": review.received_at,
        "reasons": review.reasons,
        "kind": review.kind,
        "arrears_type": review.arrears_type,
        "vlp_type": review.vlp_type,
        "crisis": crisis,
        "first_contact_due": (
            rules.crisis_first_contact_due(review.received_at, decreed_days_off) if crisis else None
        ),
    }


def _candidate(found: BrpCandidate, searched: list[str], at_address: list[str]) -> Candidate:
    return Candidate(
        bsn=found.bsn,
        voornamen=found.voornamen,
        voorvoegsel=found.voorvoegsel,
        geslachtsnaam=found.geslachtsnaam,
        geboortedatum=found.birth_date,
        registered_in=Registration(code=found.municipality_code, name=found.municipality_name),
        address=found.address,
        suspension=(
            Suspension(code=found.suspension_code, description=found.suspension)
            if found.suspension_code
            else None
        ),
        found_by=[
            how
            for how, bsns in (("search", searched), ("address", at_address))
            if found.bsn in bsns
        ],
    )


def _decision(review: Review) -> DecisionOut | None:
    if review.decided_at is None or review.choice is None or review.route is None:
        return None
    return DecisionOut(
        choice=rules.ReviewChoice(review.choice),
        bsn=review.chosen_bsn,
        explanation=review.explanation or "",
        decided_by=review.decided_by or "",
        decided_at=review.decided_at,
        route=Route(review.route),
    )


def _out(
    review: Review, candidates: list[Candidate], decreed_days_off: Collection[date]
) -> ReviewOut:
    signal = SignalData.model_validate(review.signal) if review.signal else None
    return ReviewOut(
        **_item_fields(review, decreed_days_off),
        signal=(
            ReviewedSignal(
                signal_date=signal.signal_date,
                debtor=signal.debtor,
                business_name=signal.business_name,
                address=signal.address,
            )
            if signal
            else None
        ),
        candidates=candidates,
        decision=_decision(review),
    )


async def crisis_review_gauges(database: Database, settings: ServiceSettings) -> None:
    """Per municipality, how long its oldest open item of a crisis signal has waited, and the
    working days left until the earliest deadline among them (the gauges
    `vroeg_review_oldest_crisis_age_seconds` and `vroeg_review_crisis_working_days_left`,
    read at each scrape)."""
    async with database.sessionmaker() as session:
        oldest = await repository.oldest_open_reviews(session, CRISIS_KINDS)
    now = now_utc()
    # A municipality with none waiting has no series.
    metrics.REVIEW_OLDEST_CRISIS_AGE.clear()
    metrics.REVIEW_CRISIS_WORKING_DAYS_LEFT.clear()
    for municipality, (queued_at, received_at) in oldest.items():
        age = (now - queued_at).total_seconds()
        metrics.REVIEW_OLDEST_CRISIS_AGE.labels(municipality).set(age)
        # The earliest receipt has the earliest deadline: every crisis kind gets 3 days.
        due = rules.crisis_first_contact_due(received_at, settings.decreed_days_off)
        left = working_days_between(dutch_date(now), due, settings.decreed_days_off)
        metrics.REVIEW_CRISIS_WORKING_DAYS_LEFT.labels(municipality).set(left)
