"""The matcher's use cases on one household: a signal joins or opens a case, a case closes or
reopens, and every case whose state that changes is restated and announced (R-MAT-2, R-MAT-3).

All of a household's work runs under its advisory lock, so the cases are the same whichever
partition, replica or order the signals come from.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from vroeg.matcher import repository, rules
from vroeg.matcher.models import Case, CaseSignal
from vroeg.shared.clock import add_months
from vroeg.shared.events import (
    ArrearsType,
    CaseOpened,
    CaseOutcomeRegistered,
    CaseReopened,
    CaseState,
    CaseStatus,
    CaseUpdated,
    OutcomeCategory,
    OutcomeDetail,
    Route,
    SignalKind,
    SignalRepeated,
    SignalRouted,
    VlpType,
)
from vroeg.shared.messaging.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

# How far back a household's history matters: R-MAT-3's recidive and R-IN-5's same debt.
LOOKBACK_MONTHS = max(rules.RECIDIVE_MONTHS, rules.REPEAT_LOOKBACK_MONTHS)


def matched(row: CaseSignal) -> rules.MatchedSignal:
    """A stored signal as the rules see it."""
    return rules.MatchedSignal(
        signal_id=row.signal_id,
        vlp_id=row.vlp_id,
        vlp_type=VlpType(row.vlp_type),
        kind=SignalKind(row.kind),
        arrears_type=ArrearsType(row.arrears_type),
        route=Route(row.route),
        amount=Decimal(row.amount),
        signal_date=row.signal_date,
        oldest_due_date=row.oldest_due_date,
        received_at=row.received_at,
        postcode_area=row.postcode_area,
        bsn=row.bsn,
        business=row.business,
        household_size=row.household_size,
        minors_present=row.minors_present,
    )


def signal_row(event: SignalRouted, case_id: uuid.UUID, key: str, now: datetime) -> CaseSignal:
    """A routed signal as the matcher keeps it: facts, and its personal data until due."""
    signal = event.signal
    household = event.household
    # R-MAT-6: a business name. (An address being a business's is the BAG's to say, which the
    # BRP does not tell; nobody registered there can as well mean the debtor died.)
    business = signal.business_name is not None
    personal = signal.model_dump(
        mode="json",
        include={"debtor", "business_name", "address", "phone", "email"},
    )
    return CaseSignal(
        signal_id=signal.signal_id,
        case_id=case_id,
        municipality=event.municipality,
        household_key=key,
        vlp_id=signal.vlp_id,
        vlp_type=signal.vlp_type,
        kind=signal.kind,
        arrears_type=signal.arrears_type,
        route=event.route,
        amount=signal.amount,
        signal_date=signal.signal_date,
        oldest_due_date=signal.oldest_due_date,
        received_at=signal.received_at,
        postcode_area=signal.address.postcode[:4],
        business=business,
        household_size=household.size if household else None,
        minors_present=household.minors_present if household else None,
        bsn=event.bsn,
        vlp_reference=signal.vlp_reference,
        data=personal,
        repeat_announced=False,
        added_at=now,
        case_closed_at=None,
    )


async def priority_policy(uow: UnitOfWork, municipality: str) -> rules.PriorityPolicy:
    """The municipality's priority policy in force (version 0: the national default)."""
    saved = await repository.current_policy(uow.session, municipality)
    if saved is None:
        return rules.PriorityPolicy()
    return policy_from(saved.version, saved.weights, saved.vulnerable_areas)


def policy_from(
    version: int, weights: dict[str, str | int], vulnerable_areas: list[str]
) -> rules.PriorityPolicy:
    """A stored policy version as the rules take it."""
    default = rules.PriorityPolicy()
    return rules.PriorityPolicy(
        version=version,
        per_creditor_type=Decimal(weights.get("perCreditorType", default.per_creditor_type)),
        per_100_euro=Decimal(weights.get("per100Euro", default.per_100_euro)),
        arrears_cap_euro=Decimal(weights.get("arrearsCapEuro", default.arrears_cap_euro)),
        rent=Decimal(weights.get("rent", default.rent)),
        minors=Decimal(weights.get("minors", default.minors)),
        per_month_oldest_claim=Decimal(
            weights.get("perMonthOldestClaim", default.per_month_oldest_claim)
        ),
        oldest_claim_cap_months=int(
            weights.get("oldestClaimCapMonths", default.oldest_claim_cap_months)
        ),
        recidive=Decimal(weights.get("recidive", default.recidive)),
        vulnerable_area=Decimal(weights.get("vulnerableArea", default.vulnerable_area)),
        vulnerable_areas=frozenset(vulnerable_areas),
    )


@dataclass
class Household:
    """One household's cases and signals as loaded under its lock, and what changes in them.

    Cases opened at or after `since` are restated: the address's history is loaded far enough
    back (R-MAT-3's and R-IN-5's look-back) for each of them.
    """

    municipality: str
    key: str
    since: datetime
    policy: rules.PriorityPolicy
    now: datetime
    cases: dict[uuid.UUID, Case] = field(default_factory=dict)
    signals: dict[uuid.UUID, CaseSignal] = field(default_factory=dict)
    # Signals of the same persons at other addresses (R-IN-5's same debt).
    elsewhere: dict[uuid.UUID, CaseSignal] = field(default_factory=dict)
    # A case opened for signals that joined another after it closed: which one.
    moved_from: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    @classmethod
    async def load(
        cls, uow: UnitOfWork, municipality: str, key: str, since: datetime, now: datetime
    ) -> Household:
        """Lock the household and load what the rules need to restate its cases from `since`
        (or from when its open case, or a case holding a signal received since, opened, if
        earlier: a signal received before one of its signals can make that one a repeat)."""
        await repository.lock_household(uow.session, municipality, key)
        session = uow.session
        cases, signals = await repository.household(
            session, municipality, key, add_months(since, -LOOKBACK_MONTHS)
        )
        touched = {s.case_id for s in signals if s.received_at >= since}
        open_since = min(
            (c.opened_at for c in cases if c.accepting or c.id in touched), default=since
        )
        if open_since < since:
            since = open_since
            cases, signals = await repository.household(
                session, municipality, key, add_months(since, -LOOKBACK_MONTHS)
            )
        return cls(
            municipality,
            key,
            since,
            await priority_policy(uow, municipality),
            now,
            {c.id: c for c in cases},
            {s.signal_id: s for s in signals},
        )

    async def _load_persons(self, uow: UnitOfWork, rows: list[CaseSignal]) -> None:
        """The persons' signals at other addresses in the look-back (R-IN-5's same debt)."""
        bsns = sorted({r.bsn for r in rows if r.bsn is not None})
        if not bsns:
            return
        since = add_months(self.since, -rules.REPEAT_LOOKBACK_MONTHS)
        for row in await repository.person_signals(uow.session, self.municipality, bsns, since):
            if row.signal_id not in self.signals:
                self.elsewhere[row.signal_id] = row

    def accepting(self) -> Case | None:
        """The case new signals join (R-MAT-2), if the household has one."""
        return next((c for c in self.cases.values() if c.accepting), None)

    def of_case(self, case_id: uuid.UUID) -> list[CaseSignal]:
        return [s for s in self.signals.values() if s.case_id == case_id]

    def new_case(self, first_received: datetime) -> Case:
        """A new case that takes the household's signals from now on."""
        case = Case(
            id=uuid.uuid4(),
            municipality=self.municipality,
            household_key=self.key,
            status=CaseStatus.OPEN,
            accepting=True,
            version=0,
            state={},
            opened_at=first_received,
            closed_at=None,
            outcome=None,
            outcome_detail=None,
            created_at=self.now,
        )
        self.cases[case.id] = case
        return case

    def state_of(self, case: Case) -> CaseState:
        """What the rules make of a case now: its signals and the address's other cases."""
        members = [matched(s) for s in self.of_case(case.id)]
        earlier = [
            matched(s)
            for s in [*self.signals.values(), *self.elsewhere.values()]
            if s.case_id != case.id
        ]
        others = [
            rules.PastCase(
                case_id=other.id,
                received=tuple(s.received_at for s in self.of_case(other.id)),
                status=CaseStatus(other.status),
                outcome=OutcomeCategory(other.outcome) if other.outcome else None,
                outcome_detail=OutcomeDetail(other.outcome_detail)
                if other.outcome_detail
                else None,
            )
            for other in self.cases.values()
            if other.id != case.id
        ]
        return rules.case_state(
            members,
            status=CaseStatus(case.status),
            version=case.version + 1,
            repeats=rules.find_repeats(members, earlier),
            others=others,
            policy=self.policy,
        )

    async def settle(
        self, uow: UnitOfWork, *, why: str, signal_id: uuid.UUID | None = None
    ) -> None:
        """Restate the household's cases from `since`, oldest first, and announce each change:
        CaseOpened for a new case, CaseUpdated with what changed and why for the others, and
        SignalRepeated for each signal newly found a repeat (R-IN-5)."""
        restated = sorted(
            (c for c in self.cases.values() if c.opened_at >= self.since or c.version == 0),
            key=lambda c: (c.opened_at, str(c.id)),
        )
        await self._load_persons(uow, [s for c in restated for s in self.of_case(c.id)])
        events: list[CaseOpened | CaseUpdated | SignalRepeated] = []
        for case in restated:
            if not self.of_case(case.id):
                continue  # a case whose signals all moved out keeps its last state
            after = self.state_of(case)
            if case.version == 0:
                events.append(
                    CaseOpened(
                        municipality=self.municipality,
                        occurred_at=self.now,
                        case_id=case.id,
                        state=after,
                        moved_from=self.moved_from.get(case.id),
                    )
                )
            else:
                before = CaseState.model_validate(case.state)
                found = rules.changes(before, after, why=why, signal_id=signal_id)
                if not found:
                    continue
                events.append(
                    CaseUpdated(
                        municipality=self.municipality,
                        occurred_at=self.now,
                        case_id=case.id,
                        changes=found,
                        state=after,
                    )
                )
            self._store(case, after)
            events.extend(self._repeats_found(case, after))
        await repository.flush(uow.session)
        await uow.publish_many(events)

    def _store(self, case: Case, state: CaseState) -> None:
        case.version = state.version
        case.state = state.model_dump(mode="json")
        case.opened_at = state.opened_at

    def _repeats_found(self, case: Case, state: CaseState) -> list[SignalRepeated]:
        found = []
        for fact in state.signals:
            row = self.signals[fact.signal_id]
            if fact.repeat_of is None or fact.repeat_kind is None or row.repeat_announced:
                continue
            row.repeat_announced = True
            found.append(
                SignalRepeated(
                    municipality=self.municipality,
                    occurred_at=self.now,
                    signal_id=fact.signal_id,
                    vlp_id=fact.vlp_id,
                    vlp_reference=row.vlp_reference or "",
                    repeat_of=fact.repeat_of,
                    repeat_kind=fact.repeat_kind,
                    case_id=case.id,
                )
            )
        return found


async def join(uow: UnitOfWork, event: SignalRouted, now: datetime) -> None:
    """R-MAT-1/2: the signal joins its household's open case, or opens one; the cases it
    changes (the case itself, later cases of the address it makes recidive) are restated."""
    signal = event.signal
    if await repository.signal_known(uow.session, signal.signal_id):
        log.info("signal already in a case; nothing to do")
        return
    key = rules.household_key(signal.address, event.household)
    home = await Household.load(uow, event.municipality, key, signal.received_at, now)
    case = home.accepting() or home.new_case(signal.received_at)
    row = signal_row(event, case.id, key, now)
    home.signals[row.signal_id] = row
    if case.version == 0:
        await repository.add(uow.session, [case])
    await repository.add(uow.session, [row])
    await home.settle(
        uow,
        why=f"signal {signal.signal_id} received {signal.received_at.date()}",
        signal_id=signal.signal_id,
    )


async def close(uow: UnitOfWork, event: CaseOutcomeRegistered, now: datetime) -> None:
    """Mirror followup's closing (R-FU-4): the case takes no more signals; signals that joined
    after the closing moment (not among the outcome's signal ids) move to the household's
    case that takes signals, or to a new one, which says so."""
    case = await repository.get_case(uow.session, event.case_id)
    if case is None or case.household_key is None:
        log.warning("outcome for a case the matcher does not hold (or whose data was erased)")
        return
    home = await Household.load(uow, case.municipality, case.household_key, case.opened_at, now)
    case = home.cases[case.id]
    case.status, case.accepting = CaseStatus.CLOSED, False
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
    home = await Household.load(uow, case.municipality, case.household_key, case.opened_at, now)
    case = home.cases[case.id]
    case.status, case.closed_at, case.outcome, case.outcome_detail = (
        CaseStatus.OPEN,
        None,
        None,
        None,
    )
    case.accepting = home.accepting() in (None, case)
    for row in home.of_case(case.id):
        row.case_closed_at = None
    await home.settle(uow, why=f"case {case.id} reopened")
