"""First-contact deadlines of a water disconnection (R-FU-1: 3 working days from receipt, that
day not counted) across the holidays of the Algemene termijnenwet and the decreed days."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import pytest

from vroeg.followup.rules import first_contact_due
from vroeg.followup.settings import Settings
from vroeg.shared.events import ArrearsType, SignalKind

CONFIGURED = Settings().decreed_days_off


def water_disconnection_due(received_on: date, decreed: Collection[date] = CONFIGURED) -> date:
    due, working_days, counted_from = first_contact_due(
        [(received_on, SignalKind.AFSLUITING, ArrearsType.DRINKWATER)], 10, decreed
    )
    assert (working_days, counted_from) == (3, received_on)
    return due


@pytest.mark.parametrize(
    ("received_on", "due"),
    [
        # A Friday: Monday, Tuesday, Wednesday.
        (date(2026, 11, 27), date(2026, 12, 2)),
        # A Monday: the receipt day does not count.
        (date(2026, 11, 30), date(2026, 12, 3)),
        # A Saturday: Monday is the first working day.
        (date(2026, 11, 28), date(2026, 12, 2)),
    ],
)
def test_r_fu_1_three_working_days_counted_from_the_day_after_receipt(
    received_on: date, due: date
) -> None:
    assert water_disconnection_due(received_on) == due


@pytest.mark.parametrize(
    ("received_on", "due"),
    [
        # Thursday before Easter 2026: Good Friday 3 April and Easter Monday 6 April skipped.
        (date(2026, 4, 2), date(2026, 4, 9)),
        # Thursday before Easter 2027: Good Friday 26 March and Easter Monday 29 March.
        (date(2027, 3, 25), date(2027, 4, 1)),
    ],
)
def test_r_fu_1_across_good_friday_and_easter_monday(received_on: date, due: date) -> None:
    assert water_disconnection_due(received_on) == due


@pytest.mark.parametrize("year", [2025, 2031])
def test_r_fu_1_kings_day_on_a_sunday_is_saturday_26_april_and_monday_still_counts(
    year: int,
) -> None:
    # Received Friday 25 April: Monday 28, Tuesday 29 and Wednesday 30 April count (King's
    # Day is not moved to the Monday, as a "next working day" rule would have it).
    assert water_disconnection_due(date(year, 4, 25)) == date(year, 4, 30)


def test_r_fu_1_kings_day_on_a_weekday() -> None:
    # Received Friday 24 April 2026: Monday 27 April is King's Day.
    assert water_disconnection_due(date(2026, 4, 24)) == date(2026, 4, 30)


def test_r_fu_1_5_may_counts_in_a_year_that_is_no_lustrum() -> None:
    # Received Friday 1 May 2026: Monday 4, (Tuesday 5 May skipped), Wednesday 6, Thursday 7.
    assert water_disconnection_due(date(2026, 5, 1)) == date(2026, 5, 7)


def test_r_fu_1_ascension_day_with_the_decreed_friday() -> None:
    # Received Wednesday 13 May 2026: Ascension Day 14 May, decreed 15 May, then a weekend.
    assert date(2026, 5, 15) in CONFIGURED
    assert water_disconnection_due(date(2026, 5, 13)) == date(2026, 5, 20)
    # Without the decree the Friday counts.
    assert water_disconnection_due(date(2026, 5, 13), ()) == date(2026, 5, 19)


@pytest.mark.parametrize(
    ("received_on", "due"),
    [
        # Wednesday 23 December 2026: Thursday 24, (Friday 25, Saturday 26), Monday 28, Tuesday 29.
        (date(2026, 12, 23), date(2026, 12, 29)),
        # Tuesday 23 December 2025: Wednesday 24, (Thursday 25, Friday 26), Monday 29, Tuesday 30.
        (date(2025, 12, 23), date(2025, 12, 30)),
        # Wednesday 31 December 2025: New Year's Day and the decreed 2 January 2026 skipped.
        (date(2025, 12, 31), date(2026, 1, 7)),
    ],
)
def test_r_fu_1_across_christmas_and_new_year(received_on: date, due: date) -> None:
    assert water_disconnection_due(received_on) == due


def test_r_fu_1_decreed_days_off_are_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    # A later decree, e.g. the Friday after Ascension Day 2029 (10 May).
    monkeypatch.setenv("VROEG_DECREED_DAYS_OFF", '["2029-05-11"]')
    decreed = Settings().decreed_days_off
    assert decreed == (date(2029, 5, 11),)
    # Received Wednesday 9 May 2029: Ascension Day, the decreed Friday, a weekend.
    assert water_disconnection_due(date(2029, 5, 9), decreed) == date(2029, 5, 16)
    assert water_disconnection_due(date(2029, 5, 9), ()) == date(2029, 5, 15)
