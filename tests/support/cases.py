"""Signals as the matcher's rules see them, and routed signals as brp-check would send them to
the matcher: one household's facts in a line, the rest defaulted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

from vroeg.matcher.rules import (
    MatchedSignal,
    PastCase,
    PriorityPolicy,
    Repeat,
    case_state,
    find_repeats,
)
from vroeg.shared.clock import add_months
from vroeg.shared.events import (
    Address,
    ArrearsType,
    CaseState,
    CaseStatus,
    Household,
    OutcomeCategory,
    OutcomeDetail,
    Person,
    Route,
    SignalData,
    SignalKind,
    SignalRouted,
    VlpType,
)

# A Monday morning in Amsterdam: the moment the tests' histories are counted from.
T0 = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
# Six months later: T0 is the earliest moment R-IN-5's look-back reaches from here.
LATER = add_months(T0, 6)
ARREARS_OF = {
    VlpType.HUUR: ArrearsType.HUUR,
    VlpType.DRINKWATER: ArrearsType.DRINKWATER,
    VlpType.ZORGVERZEKERING: ArrearsType.ZORGVERZEKERING,
    VlpType.ENERGIE: ArrearsType.ELEKTRICITEIT,
    VlpType.WARMTE: ArrearsType.WARMTE,
}


def sig(
    *,
    vlp: str = "woonstad",
    vlp_type: VlpType = VlpType.HUUR,
    arrears: ArrearsType | None = None,
    kind: SignalKind = SignalKind.VROEGSIGNAAL,
    route: Route = Route.RESIDENT,
    amount: str = "400.00",
    signal_date: date | None = None,
    due: date = date(2026, 3, 1),
    received: datetime = T0,
    area: str = "1012",
    bsn: str | None = "999990019",
    business: bool = False,
    size: int | None = 2,
    minors: bool | None = False,
) -> MatchedSignal:
    """A routed signal as the rules see it; the arrears type follows the creditor's type."""
    return MatchedSignal(
        signal_id=uuid4(),
        vlp_id=vlp,
        vlp_type=vlp_type,
        kind=kind,
        arrears_type=arrears or ARREARS_OF[vlp_type],
        route=route,
        amount=Decimal(amount),
        signal_date=signal_date or received.date(),
        oldest_due_date=due,
        received_at=received,
        postcode_area=area,
        bsn=bsn,
        business=business,
        household_size=size,
        minors_present=minors,
    )


def state(
    signals: Iterable[MatchedSignal],
    *,
    status: CaseStatus = CaseStatus.OPEN,
    version: int = 1,
    repeats: dict[UUID, Repeat] | None = None,
    earlier: Iterable[MatchedSignal] = (),
    others: Iterable[PastCase] = (),
    policy: PriorityPolicy | None = None,
) -> CaseState:
    """A case's state as the matcher would restate it (repeats found unless given)."""
    members = list(signals)
    return case_state(
        members,
        status=status,
        version=version,
        repeats=find_repeats(members, list(earlier)) if repeats is None else repeats,
        others=list(others),
        policy=policy or PriorityPolicy(),
    )


def routed(
    *,
    household: str,
    municipality: str = "0363",
    vlp: str = "woonstad",
    vlp_type: VlpType = VlpType.HUUR,
    arrears: ArrearsType | None = None,
    kind: SignalKind = SignalKind.VROEGSIGNAAL,
    route: Route = Route.RESIDENT,
    amount: str = "412.00",
    due: date = date(2026, 9, 1),
    received: datetime | None = None,
    bsn: str | None = "999990019",
    postcode: str = "1012AB",
    business_name: str | None = None,
    size: int = 2,
    minors: bool = False,
) -> SignalRouted:
    """A SignalRouted v2 as brp-check publishes it, for the household at `household` (the
    BRP's addressable object)."""
    received = received or datetime.now(UTC)
    return SignalRouted(
        municipality=municipality,
        occurred_at=datetime.now(UTC),
        route=route,
        reasons=("test",),
        signal=SignalData(
            signal_id=uuid4(),
            vlp_id=vlp,
            vlp_type=vlp_type,
            vlp_reference=f"ref-{uuid4().hex[:8]}",
            kind=kind,
            arrears_type=arrears or ARREARS_OF[vlp_type],
            signal_date=received.date(),
            debtor=None if business_name else Person(geslachtsnaam="Jansen"),
            business_name=business_name,
            address=Address(postcode=postcode, huisnummer=1),
            amount=Decimal(amount),
            oldest_due_date=due,
            received_at=received,
        ),
        household=Household(address_key=household, size=size, minors_present=minors),
        bsn=bsn,
    )


def past(*received: datetime, outcome: OutcomeCategory | None = None) -> PastCase:
    """Another case of the address with signals received at these moments; closed with an
    outcome when one is given."""
    return PastCase(
        case_id=uuid4(),
        received=received,
        status=CaseStatus.CLOSED if outcome else CaseStatus.OPEN,
        outcome=outcome,
        outcome_detail=OutcomeDetail.QUICK_FIX if outcome else None,
    )
