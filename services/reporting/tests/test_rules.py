"""Which counters move per event (domain §9)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from tests.support.signals import routed_signal
from vroeg.reporting.rules import metrics_for
from vroeg.shared.events import CaseOpened, Route, SignalKind, SignalReceived


def received(kind: SignalKind) -> SignalReceived:
    signal = routed_signal().signal.model_copy(update={"kind": kind})
    return SignalReceived(municipality="0363", occurred_at=datetime.now(UTC), signal=signal)


def test_cak_registrations_are_counted_apart_from_vroegsignalen() -> None:
    assert metrics_for(received(SignalKind.CAK_WANBETALER)) == ("cak_signalen",)
    assert metrics_for(received(SignalKind.VROEGSIGNAAL)) == ("signalen",)


def test_a_routed_signal_counts_on_its_route() -> None:
    assert metrics_for(routed_signal(route=Route.REVIEW)) == ("route.review",)


def test_a_crisis_case_counts_as_a_case_and_a_crisis() -> None:
    case = CaseOpened(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        case_id=uuid4(),
        household_key="k",
        signal_ids=(uuid4(),),
        kinds=(SignalKind.AFSLUITING,),
        arrears_types=(),
        crisis=True,
    )
    assert metrics_for(case) == ("meldingen", "crisismeldingen")
