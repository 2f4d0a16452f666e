"""R-FU-5's and R-BRP-4's decisions as pure functions: the offer window's days, the result its
end sets, the SHV professional's outcome, and the creditor's 30-day pause."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vroeg.followup.rules import Refused, automatic_result, offer_window_day, shv_outcome
from vroeg.shared.events import (
    DebtHelpStanding,
    OutcomeCategory,
    OutcomeDetail,
    collection_paused_until,
)


def test_the_offer_window_counts_calendar_days_from_the_opening() -> None:
    assert offer_window_day(date(2026, 12, 7), 14) == date(2026, 12, 21)
    assert offer_window_day(date(2026, 12, 7), 28) == date(2027, 1, 4)


def test_the_windows_end_says_not_reached_and_no_reaction_after_earlier_contact() -> None:
    assert automatic_result(reached=False) is OutcomeDetail.GEEN_CONTACT
    assert automatic_result(reached=True) is OutcomeDetail.GEEN_REACTIE


def test_known_to_debt_help_is_a_result_only_while_the_resident_receives_it() -> None:
    active, decided = DebtHelpStanding.ACTIVE, DebtHelpStanding.RECENT_DECISION
    bekend = OutcomeCategory.BEKEND_BIJ_SHV
    assert shv_outcome(active, bekend, None, reached=False) is OutcomeDetail.BEKEND_BIJ_SHV
    with pytest.raises(Refused, match="R-BRP-4"):
        shv_outcome(decided, bekend, None, reached=False)
    detail = OutcomeDetail.VERWIJZING_FINANCIEEL
    assert shv_outcome(decided, OutcomeCategory.WIL_HULP, detail, reached=True) is detail
    with pytest.raises(Refused, match="reached"):
        shv_outcome(decided, OutcomeCategory.WIL_HULP, detail, reached=False)


def test_help_accepted_pauses_collection_30_days_from_the_dutch_date() -> None:
    # 23:30 UTC on 31 December is New Year's Day in the Netherlands.
    closed_at = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert collection_paused_until(OutcomeCategory.WIL_HULP, closed_at) == date(2027, 1, 31)
    for category in (*set(OutcomeCategory) - {OutcomeCategory.WIL_HULP}, None):
        assert collection_paused_until(category, closed_at) is None
