"""Which counters move per event (domain §9)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from tests.support.signals import case_opened, routed_signal
from vroeg.reporting.rules import metrics_for
from vroeg.shared.events import (
    CaseIntermediateResult,
    DebtHelpSignalHandled,
    DebtHelpStanding,
    FirstContactDeadlineSet,
    OutcomeCategory,
    OutcomeDetail,
    RefusalReason,
    Route,
    SignalKind,
    SignalReceived,
    SignalRefused,
)


def test_a_signal_taken_up_counts_as_a_signal() -> None:
    received = SignalReceived(
        municipality="0363", occurred_at=datetime.now(UTC), signal=routed_signal().signal
    )
    assert metrics_for(received) == ("signalen",)


def test_a_refused_signal_counts_under_its_reason() -> None:
    refused = SignalRefused(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        signal_id=uuid4(),
        vlp_id="v",
        vlp_reference="r",
        reason=RefusalReason.ONDER_DREMPEL,
        rule="R-IN-4",
        policy_version=2,
    )
    assert metrics_for(refused) == ("niet_opgepakt.ONDER_DREMPEL",)


def test_a_routed_signal_counts_on_its_route() -> None:
    assert metrics_for(routed_signal(route=Route.REVIEW)) == ("route.review",)


def test_a_crisis_case_counts_as_a_case_and_a_crisis() -> None:
    case = case_opened(SignalKind.AFSLUITING)
    assert metrics_for(case) == ("meldingen", "crisismeldingen")


def test_a_case_that_is_no_crisis_counts_as_a_case_only() -> None:
    assert metrics_for(case_opened(SignalKind.VROEGSIGNAAL)) == ("meldingen",)


def test_a_first_contact_deadline_counts_as_a_deadline_set() -> None:
    deadline = FirstContactDeadlineSet(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        case_id=uuid4(),
        due_date=date(2026, 12, 11),
        working_days=10,
        opened_on=date(2026, 11, 27),
    )
    assert metrics_for(deadline) == ("termijnen_gezet",)


def test_an_intermediate_result_counts_and_says_whether_the_resident_was_reached() -> None:
    def intermediate(reached: bool) -> CaseIntermediateResult:
        return CaseIntermediateResult(
            municipality="0363",
            occurred_at=datetime.now(UTC),
            case_id=uuid4(),
            opened_at=datetime(2026, 11, 2, tzinfo=UTC),
            attempts=1,
            reached=reached,
            offer_window_ends_on=date(2026, 11, 30),
        )

    assert metrics_for(intermediate(True)) == ("tussenresultaten",)
    assert metrics_for(intermediate(False)) == (
        "tussenresultaten",
        "tussenresultaten_niet_bereikt",
    )


def test_a_signal_the_shv_professional_handled_counts_under_its_outcome() -> None:
    handled = DebtHelpSignalHandled(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        signal_id=uuid4(),
        vlp_id="woonstad",
        category=OutcomeCategory.BEKEND_BIJ_SHV,
        detail=OutcomeDetail.BEKEND_BIJ_SHV,
        debt_help=DebtHelpStanding.ACTIVE,
        handled_at=datetime.now(UTC),
    )
    assert metrics_for(handled) == ("shv_afgehandeld.BEKEND_BIJ_SHV",)
