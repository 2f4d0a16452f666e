"""How signals become cases, as pure functions (domain §6).

A case's state is a function of the set of its signals (and of the address's earlier cases),
never of the order they arrived in: signals are ordered by their receipt at intake
(`received_at`, then id), so the same signals give the same case, repeats and priority.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from vroeg.shared.clock import add_months
from vroeg.shared.events import (
    CRISIS_KINDS,
    Address,
    ArrearsType,
    CaseChange,
    CaseChangeKind,
    CaseFlag,
    CaseSignalFact,
    CaseState,
    CaseStatus,
    EarlierCase,
    Household,
    OutcomeCategory,
    OutcomeDetail,
    Priority,
    RepeatKind,
    Route,
    ScorePart,
    SignalKind,
    VlpType,
)

ROUTES_WITH_CASE = frozenset({Route.RESIDENT, Route.DECEASED, Route.MINOR})
_FLAGS = {Route.DECEASED: CaseFlag.OVERLEDEN, Route.MINOR: CaseFlag.MINDERJARIG}

# R-IN-5: the look-back in which the same creditor, person, arrears type and oldest due date
# make a later signal a repeat.
REPEAT_LOOKBACK_MONTHS = 6
# R-MAT-3: an earlier case of the address this many months before makes a case recidive …
RECIDIVE_MONTHS = 6
# … and this many, consecutive.
CONSECUTIVE_MONTHS = 2


def household_key(address: Address, household: Household | None) -> str:
    """R-MAT-1: the BRP's addressable object where known, else the normalised address."""
    if household is not None:
        return f"aoid:{household.address_key}"
    parts = [
        address.postcode.replace(" ", "").upper(),
        str(address.huisnummer),
        (address.huisletter or "").upper(),
        (address.toevoeging or "").upper().replace(" ", ""),
    ]
    return "adres:" + "-".join(parts)


def flags_for(route: Route) -> tuple[CaseFlag, ...]:
    """R-BRP-2, R-BRP-3: a deceased debtor or a minor marks the case."""
    flag = _FLAGS.get(route)
    return (flag,) if flag else ()


def is_crisis(kinds: Iterable[SignalKind]) -> bool:
    """R-MAT-4: an announced disconnection or eviction makes a case a crisis."""
    return any(kind in CRISIS_KINDS for kind in kinds)


@dataclass(frozen=True)
class MatchedSignal:
    """What matching needs of one routed signal; the personal data stays in the repository."""

    signal_id: UUID
    vlp_id: str
    vlp_type: VlpType
    kind: SignalKind
    arrears_type: ArrearsType
    route: Route
    amount: Decimal
    signal_date: date
    oldest_due_date: date
    received_at: datetime
    postcode_area: str
    # The person the BRP check found (R-IN-5's "same debt" compares persons, not addresses).
    bsn: str | None = None
    # A business name is involved (R-MAT-6).
    business: bool = False
    household_size: int | None = None
    minors_present: bool | None = None

    @property
    def order(self) -> tuple[datetime, str]:
        """Receipt order: earlier received first, the id breaking ties."""
        return (self.received_at, str(self.signal_id))


@dataclass(frozen=True)
class Repeat:
    """R-IN-5: this signal repeats `of` on the same debt."""

    of: UUID
    kind: RepeatKind


def find_repeats(
    case_signals: Sequence[MatchedSignal], earlier: Sequence[MatchedSignal] = ()
) -> dict[UUID, Repeat]:
    """R-IN-5: which of a case's signals are repeats, and of which signal.

    In the case, a later signal of the same creditor and arrears type repeats the first one
    (the household's open case). Otherwise a signal of the same creditor, arrears type and
    oldest due date for the same person (the same BSN; without BSNs, the same household)
    received in the 6 months before, in an earlier case, makes it a repeat (the same debt).
    """
    ordered = sorted(case_signals, key=lambda s: s.order)
    first_of_debt: dict[tuple[str, ArrearsType], MatchedSignal] = {}
    repeats: dict[UUID, Repeat] = {}
    for signal in ordered:
        debt = (signal.vlp_id, signal.arrears_type)
        original = first_of_debt.setdefault(debt, signal)
        if original is not signal:
            repeats[signal.signal_id] = Repeat(original.signal_id, RepeatKind.SAME_OPEN_CASE)
            continue
        same_debt = [
            e
            for e in earlier
            if e.vlp_id == signal.vlp_id
            and e.arrears_type == signal.arrears_type
            and e.oldest_due_date == signal.oldest_due_date
            and (e.bsn == signal.bsn if e.bsn and signal.bsn else True)
            and add_months(signal.received_at, -REPEAT_LOOKBACK_MONTHS)
            <= e.received_at
            < signal.received_at
        ]
        if same_debt:
            first = min(same_debt, key=lambda s: s.order)
            repeats[signal.signal_id] = Repeat(first.signal_id, RepeatKind.SAME_DEBT)
    return repeats


@dataclass(frozen=True)
class PastCase:
    """An earlier case of the same address, as recidive needs it."""

    case_id: UUID
    received: tuple[datetime, ...]
    status: CaseStatus
    outcome: OutcomeCategory | None = None
    outcome_detail: OutcomeDetail | None = None


@dataclass(frozen=True)
class Recidive:
    """R-MAT-3, with the earlier case that made it."""

    recidive: bool
    consecutive: bool
    previous: EarlierCase | None


def recidive(opened_at: datetime, others: Iterable[PastCase]) -> Recidive:
    """R-MAT-3: recidive when another case of the address had a signal in the 6 months before
    this case opened, consecutive when in the 2 months before; the latest such signal's case
    is the previous case, its outcome beside it. Signals of the same case never count."""
    window_start = add_months(opened_at, -RECIDIVE_MONTHS)
    latest: tuple[datetime, PastCase] | None = None
    for case in others:
        for received in case.received:
            if window_start <= received < opened_at and (latest is None or received > latest[0]):
                latest = (received, case)
    if latest is None:
        return Recidive(False, False, None)
    received, case = latest
    previous = EarlierCase(
        case_id=case.case_id,
        last_received_at=received,
        status=case.status,
        outcome=case.outcome,
        outcome_detail=case.outcome_detail,
    )
    consecutive = received >= add_months(opened_at, -CONSECUTIVE_MONTHS)
    return Recidive(True, consecutive, previous)


@dataclass(frozen=True)
class PriorityPolicy:
    """A municipality's weights for R-MAT-4's score, and its vulnerable postcode areas (§5.7).

    Version 0 is the national default below; a municipality saves its own versions.
    """

    version: int = 0
    per_creditor_type: Decimal = Decimal(10)
    per_100_euro: Decimal = Decimal(1)
    arrears_cap_euro: Decimal = Decimal(5000)
    rent: Decimal = Decimal(15)
    minors: Decimal = Decimal(15)
    per_month_oldest_claim: Decimal = Decimal(2)
    oldest_claim_cap_months: int = 12
    recidive: Decimal = Decimal(10)
    vulnerable_area: Decimal = Decimal(10)
    vulnerable_areas: frozenset[str] = field(default_factory=frozenset)


def whole_months(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (0 when `end` is not later)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(0, months)


def _points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def priority(
    signals: Sequence[MatchedSignal],
    *,
    minors_present: bool | None,
    postcode_area: str,
    is_recidive: bool,
    policy: PriorityPolicy,
) -> Priority:
    """R-MAT-4: crisis first (any disconnection or eviction); then a score from distinct
    creditor types, total arrears (each debt's latest amount: a repeat updates its debt, it
    adds no second one), rent arrears present (rent is paid last, §5.3), minors in the
    household, age of the oldest claim at the latest signal, recidive, and a vulnerable
    postcode area (§5.7). Every part is kept, not only the sum."""
    latest_per_debt: dict[tuple[str, ArrearsType], MatchedSignal] = {}
    for signal in sorted(signals, key=lambda s: s.order):
        latest_per_debt[(signal.vlp_id, signal.arrears_type)] = signal
    total = sum((s.amount for s in latest_per_debt.values()), Decimal(0))
    creditor_types = len({s.vlp_type for s in signals})
    rent = any(s.arrears_type is ArrearsType.HUUR for s in signals)
    oldest_claim = whole_months(
        min(s.oldest_due_date for s in signals), max(s.signal_date for s in signals)
    )
    vulnerable = postcode_area in policy.vulnerable_areas
    parts = (
        ScorePart(
            name="creditor_types",
            measured=Decimal(creditor_types),
            points=_points(policy.per_creditor_type * creditor_types),
        ),
        ScorePart(
            name="total_arrears",
            measured=total,
            points=_points(policy.per_100_euro * min(total, policy.arrears_cap_euro) / 100),
        ),
        ScorePart(name="rent_arrears", measured=Decimal(rent), points=_points(policy.rent * rent)),
        ScorePart(
            name="minors",
            measured=Decimal(bool(minors_present)),
            points=_points(policy.minors * bool(minors_present)),
        ),
        ScorePart(
            name="oldest_claim_months",
            measured=Decimal(oldest_claim),
            points=_points(
                policy.per_month_oldest_claim * min(oldest_claim, policy.oldest_claim_cap_months)
            ),
        ),
        ScorePart(
            name="recidive",
            measured=Decimal(is_recidive),
            points=_points(policy.recidive * is_recidive),
        ),
        ScorePart(
            name="vulnerable_area",
            measured=Decimal(vulnerable),
            points=_points(policy.vulnerable_area * vulnerable),
        ),
    )
    return Priority(
        crisis=is_crisis(s.kind for s in signals),
        score=sum((p.points for p in parts), Decimal("0.00")),
        parts=parts,
        policy_version=policy.version,
    )


def rank(priority: Priority) -> tuple[bool, Decimal]:
    """Sort key of R-MAT-4: crisis cases first, then the highest score."""
    return (not priority.crisis, -priority.score)


def case_state(
    signals: Sequence[MatchedSignal],
    *,
    status: CaseStatus,
    version: int,
    repeats: dict[UUID, Repeat],
    others: Iterable[PastCase],
    policy: PriorityPolicy,
) -> CaseState:
    """A case's whole lean state from its signals and the address's other cases (R-MAT-2 …
    R-MAT-6): the same signals give the same state, whatever order they came in."""
    ordered = sorted(signals, key=lambda s: s.order)
    opened_at = ordered[0].received_at
    found = recidive(opened_at, others)
    # The household as the BRP showed it at the latest check.
    known = [s for s in ordered if s.household_size is not None]
    household = known[-1] if known else None
    minors = household.minors_present if household else None
    flags = {flag for s in ordered for flag in flags_for(s.route)}
    if any(s.business for s in ordered):
        flags.add(CaseFlag.ONDERNEMER)
    postcode_area = ordered[0].postcode_area
    return CaseState(
        status=status,
        version=version,
        signals=tuple(
            CaseSignalFact(
                signal_id=s.signal_id,
                vlp_id=s.vlp_id,
                vlp_type=s.vlp_type,
                kind=s.kind,
                arrears_type=s.arrears_type,
                route=s.route,
                amount=s.amount,
                signal_date=s.signal_date,
                oldest_due_date=s.oldest_due_date,
                received_at=s.received_at,
                repeat_of=repeats[s.signal_id].of if s.signal_id in repeats else None,
                repeat_kind=repeats[s.signal_id].kind if s.signal_id in repeats else None,
            )
            for s in ordered
        ),
        crisis=is_crisis(s.kind for s in ordered),
        flags=tuple(sorted(flags)),
        first_signal_date=min(s.signal_date for s in ordered),
        last_signal_date=max(s.signal_date for s in ordered),
        opened_at=opened_at,
        household_size=household.household_size if household else None,
        minors_present=minors,
        postcode_area=postcode_area,
        recidive=found.recidive,
        consecutive=found.consecutive,
        previous_case=found.previous,
        priority=priority(
            ordered,
            minors_present=minors,
            postcode_area=postcode_area,
            is_recidive=found.recidive,
            policy=policy,
        ),
        offer_owed=any(s.signal_id not in repeats for s in ordered),
    )


def _same(before: CaseState, after: CaseState) -> bool:
    return before.model_copy(update={"version": after.version}) == after


def changes(
    before: CaseState, after: CaseState, *, why: str, signal_id: UUID | None = None
) -> tuple[CaseChange, ...]:
    """What changed between two states of a case, each with why (R-MAT-2): an event per
    change, never a silent one. `why` says what caused them (a signal joined, a late signal
    elsewhere, the case closed …)."""
    if _same(before, after):
        return ()
    found: list[CaseChange] = []

    def add(kind: CaseChangeKind, text: str, about: UUID | None = signal_id) -> None:
        found.append(CaseChange(kind=kind, why=f"{why}: {text}", signal_id=about))

    old_ids = {s.signal_id for s in before.signals}
    new_ids = {s.signal_id for s in after.signals}
    for signal in after.signals:
        if signal.signal_id not in old_ids:
            add(
                CaseChangeKind.SIGNAL_JOINED,
                f"{signal.kind.value} {signal.arrears_type.value} of {signal.vlp_id} joined "
                "the household's case (R-MAT-2)",
                signal.signal_id,
            )
    for signal_id_out in sorted(old_ids - new_ids, key=str):
        add(CaseChangeKind.SIGNAL_MOVED_OUT, "the signal left the case", signal_id_out)
    old_repeats = {s.signal_id: s.repeat_of for s in before.signals}
    for signal in after.signals:
        if signal.repeat_of is not None and old_repeats.get(signal.signal_id) != signal.repeat_of:
            add(
                CaseChangeKind.SIGNAL_REPEATED,
                f"repeats {signal.repeat_of} ({signal.repeat_kind}); no new help offer (R-IN-5)",
                signal.signal_id,
            )
    if after.crisis and not before.crisis:
        add(CaseChangeKind.CRISIS_RAISED, "a disconnection or eviction makes it a crisis case")
    for flag in sorted(set(after.flags) - set(before.flags)):
        add(CaseChangeKind.FLAG_ADDED, f"flag {flag.value}")
    if (before.first_signal_date, before.last_signal_date) != (
        after.first_signal_date,
        after.last_signal_date,
    ):
        add(
            CaseChangeKind.MATCHING_PERIOD_CHANGED,
            f"matching period {after.first_signal_date} – {after.last_signal_date}",
        )
    if before.opened_at != after.opened_at:
        add(CaseChangeKind.OPENED_AT_CHANGED, "an earlier-received signal opens the case")
    if (before.household_size, before.minors_present) != (
        after.household_size,
        after.minors_present,
    ):
        add(CaseChangeKind.HOUSEHOLD_CHANGED, "the BRP shows another household")
    if (before.recidive, before.consecutive, before.previous_case) != (
        after.recidive,
        after.consecutive,
        after.previous_case,
    ):
        add(
            CaseChangeKind.RECIDIVE_CHANGED,
            f"recidive {after.recidive}, consecutive {after.consecutive} (R-MAT-3)",
        )
    if before.priority != after.priority:
        add(
            CaseChangeKind.PRIORITY_CHANGED,
            f"score {before.priority.score} → {after.priority.score} (R-MAT-4)",
        )
    if before.offer_owed != after.offer_owed:
        add(CaseChangeKind.OFFER_OWED_CHANGED, f"help offer owed: {after.offer_owed} (R-IN-5)")
    if before.status != after.status:
        kind = (
            CaseChangeKind.CLOSED if after.status is CaseStatus.CLOSED else CaseChangeKind.REOPENED
        )
        add(kind, f"the case is {after.status.value.lower()}")
    return tuple(found)
