"""The CBS (DDAS) export's use cases (domain §9): the facts the matcher keeps for it besides its
cases — followup's attempts, first contacts and SHV outcomes, the signals that reach no case,
and those intake refused — and the delivery assembled from them on demand (`ddas` maps, this
joins by id).

Each fact is kept by its own id (an attempt by its id, a first contact and an outcome by their
case or signal), so redelivered events and any order of arrival give the same tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.matcher import ddas, repository
from vroeg.matcher.models import (
    Case,
    CaseSignal,
    ContactAttempt,
    DebtHelpOutcome,
    FirstContact,
    RefusedSignal,
    RoutedSignal,
)
from vroeg.shared.clock import dutch_date, dutch_time
from vroeg.shared.events import (
    CaseState,
    CaseStatus,
    ContactAttempted,
    ContactKind,
    ContactResult,
    DebtHelpSignalHandled,
    FirstContactMet,
    OutcomeDetail,
    PartOfDay,
    RefusalReason,
    Route,
    SignalFact,
    SignalKind,
    SignalRouted,
    VlpType,
)
from vroeg.shared.messaging.unit_of_work import UnitOfWork


async def keep_routed(uow: UnitOfWork, event: SignalRouted, now: datetime) -> None:
    """A signal that reaches no case: its facts, and its personal data until due (R-MAT-5)."""
    signal = event.signal
    await repository.keep_routed_signal(
        uow.session,
        RoutedSignal(
            signal_id=signal.signal_id,
            municipality=event.municipality,
            route=event.route,
            destination_known=event.destination_known,
            vlp_id=signal.vlp_id,
            vlp_type=signal.vlp_type,
            kind=signal.kind,
            arrears_type=signal.arrears_type,
            amount=signal.amount,
            signal_date=signal.signal_date,
            oldest_due_date=signal.oldest_due_date,
            received_at=signal.received_at,
            bsn=event.bsn,
            data=signal.model_dump(mode="json", include={"debtor", "business_name", "address"}),
            added_at=now,
        ),
    )


def refused(fact: SignalFact) -> bool:
    """Whether a signal fact is of a signal intake refused: the only ones the export keeps
    (the subscription passes the others over)."""
    return fact.refusal is not None


async def keep_refused(uow: UnitOfWork, fact: SignalFact) -> None:
    """A signal intake refused (R-IN-1 … R-IN-4), from its lean fact; a taken-up signal's fact
    is not needed (its route tells it)."""
    if fact.refusal is None:
        return
    await repository.keep_refused_signal(
        uow.session,
        RefusedSignal(
            signal_id=fact.signal_id,
            municipality=fact.municipality,
            vlp_type=fact.vlp_type,
            kind=fact.kind,
            amount=fact.amount,
            received_at=fact.received_at,
            refusal=fact.refusal,
        ),
    )


async def keep_attempt(uow: UnitOfWork, event: ContactAttempted) -> None:
    """followup's contact attempt (R-FU-2), or its changed result."""
    await repository.keep_attempt(
        uow.session,
        ContactAttempt(
            attempt_id=event.attempt_id,
            case_id=event.case_id,
            municipality=event.municipality,
            kind=event.kind,
            attempted_on=event.attempted_on,
            part_of_day=event.part_of_day,
            result=event.result,
            automatic=event.automatic,
            occurred_at=event.occurred_at,
        ),
    )


async def keep_first_contact(uow: UnitOfWork, event: FirstContactMet) -> None:
    """The day a person's first attempt picked the case up (R-FU-1)."""
    await repository.keep_first_contact(
        uow.session,
        FirstContact(
            case_id=event.case_id,
            municipality=event.municipality,
            attempted_on=event.attempted_on,
            on_time=event.on_time,
        ),
    )


async def keep_debt_help_outcome(uow: UnitOfWork, event: DebtHelpSignalHandled) -> None:
    """What the SHV professional registered for a signal known to debt help (R-BRP-4)."""
    await repository.keep_debt_help_outcome(
        uow.session,
        DebtHelpOutcome(
            signal_id=event.signal_id,
            municipality=event.municipality,
            category=event.category,
            detail=event.detail,
            handled_at=event.handled_at,
        ),
    )


def _attempt(row: ContactAttempt) -> ddas.Attempt:
    return ddas.Attempt(
        attempt_id=row.attempt_id,
        kind=ContactKind(row.kind),
        attempted_on=row.attempted_on,
        part_of_day=PartOfDay(row.part_of_day) if row.part_of_day else None,
        reached=row.result == ContactResult.BEREIKT,
    )


def _case_signals(
    rows: Sequence[CaseSignal],
    cases: dict[uuid.UUID, Case],
    states: dict[uuid.UUID, CaseState],
    picked_up: dict[uuid.UUID, FirstContact],
) -> list[ddas.Signal]:
    repeats = {f.signal_id for state in states.values() for f in state.signals if f.repeat_of}
    found = []
    for row in rows:
        case = cases[row.case_id]
        taken_up = case.status == CaseStatus.CLOSED or case.id in picked_up
        found.append(
            ddas.Signal(
                signal_id=row.signal_id,
                vlp_type=VlpType(row.vlp_type),
                kind=SignalKind(row.kind),
                amount=row.amount,
                signal_date=row.signal_date,
                oldest_due_date=row.oldest_due_date,
                status=ddas.signal_status(
                    Route(row.route),
                    repeat=row.signal_id in repeats,
                    taken_up=taken_up,
                ),
                bsn=row.bsn,
                data=row.data,
            )
        )
    return found


def _routed_signal(row: RoutedSignal, handled: DebtHelpOutcome | None) -> ddas.Signal:
    return ddas.Signal(
        signal_id=row.signal_id,
        vlp_type=VlpType(row.vlp_type),
        kind=SignalKind(row.kind),
        amount=row.amount,
        signal_date=row.signal_date,
        oldest_due_date=row.oldest_due_date,
        status=ddas.signal_status(Route(row.route), repeat=False, taken_up=handled is not None),
        bsn=row.bsn,
        data=row.data,
    )


def _refused_signal(row: RefusedSignal) -> ddas.Signal:
    return ddas.Signal(
        signal_id=row.signal_id,
        vlp_type=VlpType(row.vlp_type),
        kind=SignalKind(row.kind),
        amount=row.amount,
        signal_date=None,
        oldest_due_date=None,
        status=ddas.STATUS_OF_REFUSAL[RefusalReason(row.refusal)],
        bsn=None,
        data=None,
    )


async def delivery(
    session: AsyncSession,
    municipality: str,
    start: date,
    end: date,
    *,
    supplier: ddas.Supplier,
    now: datetime,
) -> dict[str, Any]:
    """The municipality's delivery for the period, assembled now from what the matcher holds
    (see `ddas` for what a period holds); nothing of it is kept."""
    # The period's Dutch days, from the first one's midnight to the one after the last.
    since, until = (
        datetime.combine(day, time(), dutch_time()) for day in (start, end + timedelta(days=1))
    )
    in_cases = await repository.period_case_signals(session, municipality, since, until)
    cases = {c.id: c for c in await repository.cases_by_id(session, {r.case_id for r in in_cases})}
    states = {i: CaseState.model_validate(c.state) for i, c in cases.items()}
    picked_up = await repository.first_contacts_of(session, list(cases))
    # A case is delivered with the period it opened in: that of its first signal's receipt.
    delivered = sorted(
        (c for c in cases.values() if since <= c.opened_at < until),
        key=lambda c: (c.opened_at, str(c.id)),
    )
    attempts: dict[uuid.UUID, list[ddas.Attempt]] = {}
    for row in await repository.attempts_of(session, [c.id for c in delivered]):
        attempts.setdefault(row.case_id, []).append(_attempt(row))
    routed = await repository.period_routed_signals(session, municipality, since, until)
    debt_help = [r for r in routed if r.route == Route.DEBT_HELP]
    handled = await repository.debt_help_outcomes_of(session, [r.signal_id for r in debt_help])
    zaken = [
        ddas.Case(
            signal_ids=tuple(
                f.signal_id for f in states[c.id].signals if f.kind is not SignalKind.CAK_WANBETALER
            ),
            outcome=OutcomeDetail(c.outcome_detail) if c.outcome_detail else None,
            # "De datum waarop de matching wordt uitgevoerd": the day the matcher made the case.
            matched_on=dutch_date(c.created_at),
            first_signal_date=states[c.id].first_signal_date,
            last_signal_date=states[c.id].last_signal_date,
            picked_up_on=picked_up[c.id].attempted_on if c.id in picked_up else None,
            attempts=tuple(attempts.get(c.id, ())),
        )
        for c in delivered
    ]
    # A signal known to debt help is the SHV professional's case of its own (R-BRP-4): its
    # result is what they registered, "Inwoner al bekend bij schuldhulpverlening" as a rule.
    zaken.extend(
        ddas.Case(
            signal_ids=(r.signal_id,),
            outcome=OutcomeDetail(handled[r.signal_id].detail) if r.signal_id in handled else None,
            matched_on=None,
            first_signal_date=r.signal_date,
            last_signal_date=r.signal_date,
            picked_up_on=None,
            attempts=(),
        )
        for r in sorted(debt_help, key=lambda r: (r.received_at, str(r.signal_id)))
    )
    refused = await repository.period_refused_signals(session, municipality, since, until)
    signals = (
        _case_signals(in_cases, cases, states, picked_up)
        + [_routed_signal(r, handled.get(r.signal_id)) for r in routed]
        + [_refused_signal(r) for r in refused]
    )
    return ddas.document(
        municipality=municipality,
        start=start,
        end=end,
        delivered_at=now,
        supplier=supplier,
        signals=signals,
        cases=zaken,
    )
