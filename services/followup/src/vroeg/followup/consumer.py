"""followup's Kafka handlers: keep each case's facts as the matcher announces them, fix its
first-contact deadline and tighten it when a crisis signal joins (R-FU-1)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AsyncExitStack
from decimal import Decimal
from functools import partial
from uuid import UUID
from zoneinfo import ZoneInfo

from vroeg.followup import repository, rules, shv, work
from vroeg.followup.models import CaseContacts, Deadline, FollowupCase
from vroeg.followup.settings import Settings
from vroeg.shared.events import (
    CaseContactsChanged,
    CaseFlag,
    CaseOpened,
    CaseState,
    CaseStatus,
    CaseUpdated,
    FirstContactDeadlineSet,
    OutcomeDetail,
    Route,
)
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import CASE_CONTACTS, CASE_OPENED, CASE_UPDATED, ROUTE_TOPICS

SYSTEM = "vroeg-followup"  # who closes a case by itself (R-BRP-2)
# Where `prepare` leaves a batch's cases and deadlines (UnitOfWork.prepared), locked, and the
# ids of the contact changes it kept.
_CASES = "followup.cases"
_DEADLINES = "followup.deadlines"
_CONTACTS_KEPT = "followup.contacts"


async def prepare_cases(uow: UnitOfWork, events: Sequence[CaseOpened | CaseUpdated]) -> None:
    """Store the cases of these events that are new, then lock and load every one of them and
    its deadline: one statement each for the batch (locks in the order of the case ids)."""
    first: dict[UUID, CaseOpened | CaseUpdated] = {}
    for event in events:
        first.setdefault(event.case_id, event)
    cases = await repository.cases_for_update(uow.session, [_new_case(e) for e in first.values()])
    deadlines = await repository.deadlines_for_update(uow.session, list(first))
    uow.prepared.setdefault(_CASES, {}).update(cases)
    prepared = uow.prepared.setdefault(_DEADLINES, {})
    prepared.update({case_id: deadlines.get(case_id) for case_id in first})


async def prepare_contacts(uow: UnitOfWork, events: Sequence[CaseContactsChanged]) -> None:
    """Keep how to reach the cases' residents, for the contact plan (R-FU-3): personal data,
    its retention clock the case's closing (R-MAT-5). The batch's at once: one statement reads
    the closings, one keeps the contacts (in the order of the case ids)."""
    closings = await repository.closings(uow.session, list({e.case_id for e in events}))
    await repository.store_contacts(
        uow.session,
        [
            CaseContacts(
                case_id=event.case_id,
                municipality=event.municipality,
                version=event.version,
                name=event.name,
                address="\n".join(event.address_lines) or None,
                phone=event.phone,
                email=event.email,
                case_closed_at=closings.get(event.case_id),
            )
            for event in sorted(events, key=lambda e: e.case_id)
        ],
    )
    uow.prepared.setdefault(_CONTACTS_KEPT, set()).update(event.id for event in events)


async def on_case_changed(
    uow: UnitOfWork, event: CaseOpened | CaseUpdated, *, settings: Settings
) -> None:
    """Keep the case's facts (an older version changes nothing), and fix its deadline: each
    signal's working days from its receipt (Dutch date), the earliest kept, so a crisis signal
    that joins tightens it; a deadline is never loosened, so the order of events does not
    matter. A deceased debtor's case with nobody else at the address closes by itself."""
    if event.case_id not in uow.prepared.get(_CASES, {}):  # handled alone (retried)
        await prepare_cases(uow, [event])
    case: FollowupCase = uow.prepared[_CASES][event.case_id]
    if case.case_version < event.state.version:
        _apply(case, event.state)
    await _fix_deadline(uow, event, settings)
    if case.status == CaseStatus.OPEN and rules.closes_by_itself(
        [CaseFlag(f) for f in case.flags], case.household_size
    ):
        await work.close(
            uow,
            case,
            category=None,
            detail=OutcomeDetail.OVERLEDEN,
            actor=SYSTEM,
            now=event.occurred_at,
        )


def _new_case(event: CaseOpened | CaseUpdated) -> FollowupCase:
    case = FollowupCase(
        case_id=event.case_id,
        municipality=event.municipality,
        status=CaseStatus.OPEN,
        case_version=0,
        beschermingsbewind=False,
        curatele=False,
        closed_at=None,
        outcome_category=None,
        outcome_detail=None,
    )
    _apply(case, event.state)
    return case


def _apply(case: FollowupCase, state: CaseState) -> None:
    case.case_version = state.version
    case.crisis = state.crisis
    case.flags = [f.value for f in state.flags]
    case.priority_score = state.priority.score
    case.signal_ids = [str(s.signal_id) for s in state.signals]
    case.signal_count = len(state.signals)
    case.offer_owed = state.offer_owed
    case.household_size = state.household_size
    case.opened_at = state.opened_at
    case.total_amount = sum((s.amount for s in state.signals), Decimal(0))
    case.minors_present = state.minors_present


async def _fix_deadline(
    uow: UnitOfWork, event: CaseOpened | CaseUpdated, settings: Settings
) -> None:
    zone = ZoneInfo(settings.timezone)
    due, working_days, counted_from = rules.first_contact_due(
        (
            (s.received_at.astimezone(zone).date(), s.kind, s.arrears_type)
            for s in event.state.signals
        ),
        settings.default_first_contact_working_days,
        settings.decreed_days_off,
        other_crises=settings.other_crises_in_three_days,
    )
    due_soon_on = rules.subtract_working_days(
        due, settings.due_soon_working_days, settings.decreed_days_off
    )
    deadlines: dict[UUID, Deadline | None] = uow.prepared[_DEADLINES]
    deadline = deadlines[event.case_id]
    if deadline is None:
        deadlines[event.case_id] = Deadline(
            case_id=event.case_id,
            municipality=event.municipality,
            opened_on=counted_from,
            due_date=due,
            working_days=working_days,
            crisis=event.state.crisis,
            due_soon_on=due_soon_on,
            due_soon_sent_at=None,
            missed_sent_at=None,
            met_on=None,
        )
        repository.add(uow.session, deadlines[event.case_id])
    elif due < deadline.due_date:
        deadline.opened_on, deadline.due_date, deadline.due_soon_on = counted_from, due, due_soon_on
        deadline.working_days = working_days
        deadline.crisis = deadline.crisis or event.state.crisis
        # A tighter deadline is announced again as it comes due (R-FU-1).
        deadline.due_soon_sent_at = deadline.missed_sent_at = None
    else:
        # A crisis that brings no earlier date (an eviction joining a rent case, by default
        # policy) still makes the deadline a crisis one; its date stands.
        deadline.crisis = deadline.crisis or event.state.crisis
        return
    await uow.publish(
        FirstContactDeadlineSet(
            municipality=event.municipality,
            occurred_at=event.occurred_at,
            case_id=event.case_id,
            due_date=due,
            working_days=working_days,
            opened_on=counted_from,
        )
    )


async def on_contacts_changed(uow: UnitOfWork, event: CaseContactsChanged) -> None:
    """A case's contacts changed: kept with the batch (`prepare_contacts`), or now."""
    if event.id not in uow.prepared.get(_CONTACTS_KEPT, ()):  # handled alone (retried)
        await prepare_contacts(uow, [event])


async def subscriptions(stack: AsyncExitStack, settings: Settings) -> Sequence[Subscription]:
    """New and changed cases, how to reach their residents, and signals of residents known to
    debt help (the SHV queue)."""
    handler = partial(on_case_changed, settings=settings)
    return [
        Subscription(CASE_OPENED, handler, batch=True, prepare=prepare_cases),
        Subscription(CASE_UPDATED, handler, batch=True, prepare=prepare_cases),
        Subscription(ROUTE_TOPICS[Route.DEBT_HELP], shv.on_debt_help_routed, batch=True),
        Subscription(CASE_CONTACTS, on_contacts_changed, batch=True, prepare=prepare_contacts),
    ]
