"""A household's cases as the matcher restates them (R-MAT-2, R-MAT-3): loaded under the
household's advisory lock, restated from their signals, and every change announced."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from vroeg.matcher import contacts, repository, rules
from vroeg.matcher.models import Case, CaseSignal
from vroeg.shared.clock import add_months
from vroeg.shared.events import (
    ArrearsType,
    CaseOpened,
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
        forwarded_by=signal.forwarded_by,
        data=personal,
        repeat_announced=False,
        added_at=now,
        case_closed_at=None,
    )


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
    # The persons whose signals elsewhere are loaded.
    persons_loaded: set[str] = field(default_factory=set)
    # A case opened for signals that joined another after it closed: which one.
    moved_from: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    # The state each case last announced, read once.
    announced: dict[uuid.UUID, CaseState] = field(default_factory=dict)
    # Each loaded signal as the rules see it.
    _facts: dict[uuid.UUID, rules.MatchedSignal] = field(default_factory=dict)

    async def _load_persons(self, uow: UnitOfWork, rows: list[CaseSignal]) -> None:
        """The persons' signals at other addresses in the look-back (R-IN-5's same debt)."""
        bsns = sorted({r.bsn for r in rows if r.bsn is not None} - self.persons_loaded)
        if not bsns:
            return
        self.persons_loaded.update(bsns)
        since = add_months(self.since, -rules.REPEAT_LOOKBACK_MONTHS)
        for row in await repository.person_signals(uow.session, [self.municipality], bsns, since):
            self.seen_elsewhere(row)

    def seen_elsewhere(self, row: CaseSignal) -> None:
        """A signal of one of its persons at another address (loaded, or joined to another
        household of the batch meanwhile)."""
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
            lifecycle_at=None,
            created_at=self.now,
        )
        self.cases[case.id] = case
        return case

    def _matched(self, row: CaseSignal) -> rules.MatchedSignal:
        """A signal as the rules see it, made once per load (its facts never change)."""
        found = self._facts.get(row.signal_id)
        if found is None:
            found = self._facts[row.signal_id] = matched(row)
        return found

    def state_of(self, case: Case, by_case: dict[uuid.UUID, list[CaseSignal]]) -> CaseState:
        """What the rules make of a case now: its signals and the address's other cases."""
        members = [self._matched(s) for s in by_case.get(case.id, [])]
        debts = {(m.vlp_id, m.arrears_type) for m in members}
        # R-IN-5's same debt looks only at the same creditors' same arrears elsewhere.
        earlier = [
            fact
            for other, rows in by_case.items()
            if other != case.id
            for fact in map(self._matched, rows)
            if (fact.vlp_id, fact.arrears_type) in debts
        ]
        earlier.extend(
            fact
            for fact in map(self._matched, self.elsewhere.values())
            if (fact.vlp_id, fact.arrears_type) in debts
        )
        others = [
            rules.PastCase(
                case_id=other.id,
                received=tuple(s.received_at for s in by_case.get(other.id, [])),
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
        by_case: dict[uuid.UUID, list[CaseSignal]] = {}
        for row in self.signals.values():
            by_case.setdefault(row.case_id, []).append(row)
        await self._load_persons(uow, [s for c in restated for s in by_case.get(c.id, [])])
        events: list[CaseOpened | CaseUpdated | SignalRepeated] = []
        for case in restated:
            if case.id not in by_case:
                continue  # a case whose signals all moved out keeps its last state
            after = self.state_of(case, by_case)
            stored = after.model_dump(mode="json")
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
                before = self.announced.get(case.id)
                if before is None:
                    if {**case.state, "version": after.version} == stored:
                        continue  # as stored: nothing to read back, nothing changed
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
            self._store(case, after, stored)
            events.extend(self._repeats_found(case, after))
        # For followup's contact plan only, on a personal-data topic of its own.
        changed_contacts = contacts.changed(events, self.of_case)
        await uow.publish_many([*events, *changed_contacts])

    def _store(self, case: Case, state: CaseState, stored: dict[str, Any]) -> None:
        self.announced[case.id] = state
        case.version = state.version
        case.state = stored
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
                    forwarded_by=row.forwarded_by,
                )
            )
        return found


async def load(
    uow: UnitOfWork, wanted: Mapping[tuple[str, str], datetime], now: datetime
) -> dict[tuple[str, str], Household]:
    """Lock households and load what the rules need to restate their cases: `wanted` maps
    (municipality, household key) to the moment from which its cases are restated (moved
    back to when its open case opened, if earlier); the history is loaded as far back as the
    look-back of those cases needs (R-MAT-3, R-IN-5). One statement per kind of row, however
    many households."""
    keys = sorted(wanted)
    await repository.lock_households(uow.session, [f"{m}:{k}" for m, k in keys])
    since = dict(wanted)
    cases, signals = await repository.households(
        uow.session, keys, add_months(min(since.values()), -LOOKBACK_MONTHS)
    )
    # A signal received before one of a case's signals can make that one a repeat: restate
    # from the opening of the open case and of every case holding a signal received since.
    key_of = {c.id: (c.municipality, c.household_key or "") for c in cases}
    touched = {s.case_id for s in signals if s.received_at >= wanted[key_of[s.case_id]]}
    for case in cases:
        key = key_of[case.id]
        if (case.accepting or case.id in touched) and case.opened_at < since[key]:
            since[key] = case.opened_at
    if min(since.values()) < min(wanted.values()):
        cases, signals = await repository.households(
            uow.session, keys, add_months(min(since.values()), -LOOKBACK_MONTHS)
        )
    saved = await repository.current_policies(uow.session, sorted({m for m, _ in keys}))
    homes = {
        (m, k): Household(
            m,
            k,
            since[(m, k)],
            policy_from(saved[m].version, saved[m].weights, saved[m].vulnerable_areas)
            if m in saved
            else rules.PriorityPolicy(),
            now,
        )
        for m, k in keys
    }
    home_of_case: dict[uuid.UUID, Household] = {}
    for case in cases:
        home = homes[(case.municipality, case.household_key or "")]
        home.cases[case.id] = case
        home_of_case[case.id] = home
    for row in signals:
        # By its case: a signal's own copy of the address may already be erased (R-MAT-5).
        home_of_case[row.case_id].signals[row.signal_id] = row
    return homes


async def load_persons(
    uow: UnitOfWork,
    homes: Mapping[tuple[str, str], Household],
    persons: Mapping[tuple[str, str], set[str]],
) -> None:
    """Load, in one statement, the signals at other addresses of each household's persons
    (`persons`: those of its new signals; and everyone in its loaded cases), for R-IN-5's same
    debt. Each household gets its own persons' signals only, as when loaded alone."""
    wanted = {
        key: {r.bsn for r in home.signals.values() if r.bsn is not None} | persons.get(key, set())
        for key, home in homes.items()
    }
    bsns = sorted(set().union(*wanted.values())) if wanted else []
    if not bsns:
        return
    since = add_months(min(h.since for h in homes.values()), -rules.REPEAT_LOOKBACK_MONTHS)
    municipalities = sorted({h.municipality for h in homes.values()})
    found: dict[tuple[str, str | None], list[CaseSignal]] = {}
    for row in await repository.person_signals(uow.session, municipalities, bsns, since):
        found.setdefault((row.municipality, row.bsn), []).append(row)
    for key, home in homes.items():
        home.persons_loaded.update(wanted[key])
        for bsn in wanted[key]:
            for row in found.get((home.municipality, bsn), ()):
                home.seen_elsewhere(row)
