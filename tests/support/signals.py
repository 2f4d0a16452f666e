"""Signals and events as the tests need them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from vroeg.deploy.demo import signal_body
from vroeg.matcher.rules import MatchedSignal, PriorityPolicy, case_state
from vroeg.shared.events import (
    Address,
    ArrearsType,
    CaseOpened,
    CaseStatus,
    Household,
    Person,
    Route,
    SignalData,
    SignalKind,
    SignalReceived,
    SignalRouted,
    VlpType,
)


def jansen_body(reference: str) -> dict[str, object]:
    """The body a creditor posts to intake for a rent signal on Jansen, 1012AB 1."""
    return signal_body(
        reference=reference,
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        geslachtsnaam="Jansen",
        geboortedatum=None,
        postcode="1012AB",
        huisnummer=1,
        today=date(2026, 11, 27),
    )


def jansen_signal(*, vlp: str = "woonstad", reference: str | None = None) -> SignalData:
    """A rent signal for Piet Jansen of the demo population, a resident of 0363."""
    return SignalData(
        signal_id=uuid4(),
        vlp_id=vlp,
        vlp_type=VlpType.HUUR,
        vlp_reference=reference or f"ref-{uuid4().hex[:8]}",
        kind=SignalKind.VROEGSIGNAAL,
        arrears_type=ArrearsType.HUUR,
        signal_date=date(2026, 11, 27),
        debtor=Person(geslachtsnaam="Jansen", geboortedatum=date(1980, 5, 1)),
        address=Address(postcode="1012AB", huisnummer=1),
        amount=Decimal("412.00"),
        oldest_due_date=date(2026, 9, 1),
        unpaid_installments=2,
        received_at=datetime.now(UTC),
    )


def routed_signal(
    *, route: Route = Route.RESIDENT, address_key: str = "0363010000000001", vlp: str = "woonstad"
) -> SignalRouted:
    """A SignalRouted event as brp-check would publish it."""
    return SignalRouted(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        route=route,
        reasons=("test",),
        signal=jansen_signal(vlp=vlp),
        household=Household(address_key=address_key, size=2, minors_present=False),
    )


def resident_signal(n: int) -> SignalReceived:
    """A SignalReceived for Piet Jansen, as intake would publish it."""
    return SignalReceived(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        signal=jansen_signal(reference=f"out-{n}"),
    )


def matched(
    signal: SignalData, *, route: Route = Route.RESIDENT, bsn: str | None = None
) -> MatchedSignal:
    """A signal as the matcher's rules see it."""
    return MatchedSignal(
        signal_id=signal.signal_id,
        vlp_id=signal.vlp_id,
        vlp_type=signal.vlp_type,
        kind=signal.kind,
        arrears_type=signal.arrears_type,
        route=route,
        amount=signal.amount,
        signal_date=signal.signal_date,
        oldest_due_date=signal.oldest_due_date,
        received_at=signal.received_at,
        postcode_area=signal.address.postcode[:4],
        bsn=bsn,
        household_size=2,
        minors_present=False,
    )


def case_opened(*kinds: SignalKind) -> CaseOpened:
    """A CaseOpened as the matcher would publish it, for Jansen signals of these kinds."""
    signals = [matched(jansen_signal().model_copy(update={"kind": kind})) for kind in kinds]
    state = case_state(
        signals,
        status=CaseStatus.OPEN,
        version=1,
        repeats={},
        others=(),
        policy=PriorityPolicy(),
    )
    return CaseOpened(
        municipality="0363", occurred_at=datetime.now(UTC), case_id=uuid4(), state=state
    )


def opened_case(
    *,
    municipality: str = "0363",
    kind: SignalKind = SignalKind.AFSLUITING,
    route: Route = Route.RESIDENT,
    household_size: int = 2,
    received_at: datetime | None = None,
) -> CaseOpened:
    """A case as the matcher opens it, for one Jansen signal."""
    signal = jansen_signal().model_copy(
        update={
            "kind": kind,
            "arrears_type": ArrearsType.DRINKWATER,
            "received_at": received_at or datetime.now(UTC),
        }
    )
    member = dataclasses.replace(matched(signal, route=route), household_size=household_size)
    state = case_state(
        [member],
        status=CaseStatus.OPEN,
        version=1,
        repeats={},
        others=(),
        policy=PriorityPolicy(),
    )
    return CaseOpened(
        municipality=municipality,
        occurred_at=datetime.now(UTC),
        case_id=uuid4(),
        state=state,
    )
