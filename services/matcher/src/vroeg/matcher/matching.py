"""The matcher's use cases: a signal joins or opens its household's case, a case closes or
reopens; every case whose state that changes is restated and announced (R-MAT-2, R-MAT-3).

All of a household's work runs under its advisory lock, so the cases are the same whichever
partition, replica or order the signals come from.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from vroeg.matcher import repository, rules
from vroeg.matcher.household import Household, load, load_persons, signal_row
from vroeg.matcher.models import Case
from vroeg.shared.events import (
    CaseOutcomeRegistered,
    CaseReopened,
    CaseStatus,
    SignalRouted,
    now_utc,
)
from vroeg.shared.messaging.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# Where `prepare` leaves a batch's households for its handlers (UnitOfWork.prepared), and
# which of them each person's signals elsewhere were loaded for.
_HOMES = "matcher.households"
_PERSONS = "matcher.persons"


def _home_of(event: SignalRouted) -> tuple[str, str]:
    return event.municipality, rules.household_key(event.signal.address, event.household)


async def prepare(uow: UnitOfWork, events: Sequence[SignalRouted]) -> None:
    """Lock and load every household of a batch of routed signals at once, so that joining
    them needs no more reads (one statement per kind of row, locks in sorted order)."""
    wanted: dict[tuple[str, str], datetime] = {}
    persons: dict[tuple[str, str], set[str]] = {}
    for event in events:
        home = _home_of(event)
        received = event.signal.received_at
        wanted[home] = min(wanted.get(home, received), received)
        if event.bsn is not None:
            persons.setdefault(home, set()).add(event.bsn)
    homes = await load(uow, wanted, now_utc())
    await load_persons(uow, homes, persons)
    uow.prepared[_HOMES] = homes
    by_person: dict[tuple[str, str], list[Household]] = {}
    for household in homes.values():
        for bsn in household.persons_loaded:
            by_person.setdefault((household.municipality, bsn), []).append(household)
    uow.prepared[_PERSONS] = by_person


async def prepare_lifecycle(
    uow: UnitOfWork, events: Sequence[CaseOutcomeRegistered | CaseReopened]
) -> None:
    """Lock and load the households of a batch of closings or reopenings at once (a month's
    outcomes often come in waves), so that applying them needs no more reads."""
    wanted: dict[tuple[str, str], datetime] = {}
    for case in await repository.get_cases(uow.session, sorted({e.case_id for e in events})):
        if case.household_key is not None:
            home = (case.municipality, case.household_key)
            wanted[home] = min(wanted.get(home, case.opened_at), case.opened_at)
    if wanted:
        homes = await load(uow, wanted, now_utc())
        await load_persons(uow, homes, {})
        uow.prepared[_HOMES] = homes


async def _household(uow: UnitOfWork, case: Case, now: datetime) -> Household:
    """The household of a case: prepared with its batch, else locked and loaded now."""
    key = (case.municipality, case.household_key or "")
    prepared: dict[tuple[str, str], Household] = uow.prepared.get(_HOMES, {})
    home = prepared.get(key)
    if home is None or case.id not in home.cases:  # handled alone (retried), or not prepared
        home = (await load(uow, {key: case.opened_at}, now))[key]
    return home


async def join(uow: UnitOfWork, event: SignalRouted, now: datetime) -> None:
    """R-MAT-1/2: the signal joins its household's open case, or opens one; the cases it
    changes (the case itself, later cases of the address it makes recidive) are restated."""
    signal = event.signal
    municipality, key = _home_of(event)
    prepared: dict[tuple[str, str], Household] = uow.prepared.get(_HOMES, {})
    home = prepared.get((municipality, key))
    if home is None:  # handled alone (retried), or not prepared
        home = (await load(uow, {(municipality, key): signal.received_at}, now))[
            (municipality, key)
        ]
    case = home.accepting() or home.new_case(signal.received_at)
    row = signal_row(event, case.id, key, now)
    home.signals[row.signal_id] = row
    if row.bsn is not None:
        # The batch's other households of this person see it, as they would if loaded after.
        by_person: dict[tuple[str, str], list[Household]] = uow.prepared.get(_PERSONS, {})
        for other in by_person.get((municipality, row.bsn), ()):
            if other is not home:
                other.seen_elsewhere(row)
    uow.session.add_all([case, row] if case.version == 0 else [row])
    await home.settle(
        uow,
        why=f"signal {signal.signal_id} received {signal.received_at.date()}",
        signal_id=signal.signal_id,
    )


def stale(case: Case, moment: datetime) -> bool:
    """Whether a closing or reopening happened before the last one the mirror applied: the
    two come on two topics, so a reopening can be handled before the closing it undoes."""
    if case.lifecycle_at is not None and moment < case.lifecycle_at:
        log.info("a closing or reopening older than the case's last one; nothing to do")
        return True
    return False


async def close(uow: UnitOfWork, event: CaseOutcomeRegistered, now: datetime) -> None:
    """Mirror followup's closing (R-FU-4): the case takes no more signals; signals that joined
    after the closing moment (not among the outcome's signal ids) move to the household's
    case that takes signals, or to a new one, which says so."""
    case = await repository.get_case(uow.session, event.case_id)
    if case is None or case.household_key is None:
        log.warning("outcome for a case the matcher does not hold (or whose data was erased)")
        return
    home = await _household(uow, case, now)
    case = home.cases[case.id]
    if stale(case, event.closed_at):
        return
    case.status, case.accepting = CaseStatus.CLOSED, False
    case.lifecycle_at = event.closed_at
    case.closed_at, case.outcome_detail = event.closed_at, event.detail
    case.outcome = event.category
    listed = set(event.signal_ids)
    late = [s for s in home.of_case(case.id) if s.signal_id not in listed]
    if late and len(late) < len(home.of_case(case.id)):
        await repository.flush(uow.session)  # the closed case no longer takes signals
        target = home.accepting() or home.new_case(min(s.received_at for s in late))
        if target.version == 0:
            home.moved_from[target.id] = case.id
            await repository.add(uow.session, [target])
        for row in late:
            row.case_id = target.id
    for row in home.of_case(case.id):
        row.case_closed_at = event.closed_at
    await home.settle(uow, why=f"case {case.id} closed ({event.detail})")


async def reopen(uow: UnitOfWork, event: CaseReopened, now: datetime) -> None:
    """Mirror followup's reopening (§8.8.2): the case takes signals again, unless the household
    opened another case meanwhile, which keeps taking them."""
    case = await repository.get_case(uow.session, event.case_id)
    if case is None or case.household_key is None:
        log.warning("reopening of a case the matcher does not hold (or whose data was erased)")
        return
    home = await _household(uow, case, now)
    case = home.cases[case.id]
    if stale(case, event.reopened_at):
        return
    case.lifecycle_at = event.reopened_at
    case.status, case.closed_at, case.outcome, case.outcome_detail = (
        CaseStatus.OPEN,
        None,
        None,
        None,
    )
    case.accepting = home.accepting() in (None, case)  # an open case reopened keeps taking
    for row in home.of_case(case.id):
        row.case_closed_at = None
    await home.settle(uow, why=f"case {case.id} reopened")
