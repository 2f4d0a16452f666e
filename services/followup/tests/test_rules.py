"""Working days (Algemene termijnenwet art. 3) and first-contact deadlines (R-FU-1)."""

from __future__ import annotations

from datetime import date

import pytest

from vroeg.followup.rules import (
    add_working_days,
    easter_sunday,
    first_contact_working_days,
    general_holidays,
    is_working_day,
)
from vroeg.shared.events import ArrearsType, SignalKind

DECREED = (date(2026, 1, 2), date(2026, 5, 15))


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_the_2026_holidays_are_exactly_the_statutory_ones() -> None:
    assert general_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 4, 27),
        date(2026, 5, 5),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 12, 25),
        date(2026, 12, 26),
    }


@pytest.mark.parametrize("year", [2026, 2027, 2029, 2031])
def test_liberation_day_is_a_holiday_every_year(year: int) -> None:
    assert date(year, 5, 5) in general_holidays(year)


def test_kings_day_moves_to_the_26th_when_the_27th_is_a_sunday() -> None:
    assert date(2025, 4, 26) in general_holidays(2025)
    assert date(2025, 4, 27) not in general_holidays(2025)


def test_good_friday_is_not_a_working_day() -> None:
    assert not is_working_day(date(2026, 4, 3), DECREED)


def test_decreed_days_off_come_from_configuration() -> None:
    assert not is_working_day(date(2026, 5, 15), DECREED)
    assert is_working_day(date(2026, 5, 15), ())


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 11, 27), 3, date(2026, 12, 2)),  # Friday: Mon, Tue, Wed
        (date(2026, 12, 23), 3, date(2026, 12, 29)),  # over Christmas
        (date(2026, 4, 30), 3, date(2026, 5, 6)),  # over 5 May (Tuesday)
        (date(2026, 5, 13), 1, date(2026, 5, 18)),  # Ascension Day and the decreed Friday
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day, then a weekend
    ],
)
def test_add_working_days(start: date, days: int, due: date) -> None:
    assert add_working_days(start, days, DECREED) == due


def test_a_water_disconnection_needs_contact_within_3_working_days() -> None:
    assert (
        first_contact_working_days([SignalKind.AFSLUITING], [ArrearsType.DRINKWATER], default=10)
        == 3
    )


def test_an_energy_disconnection_follows_policy() -> None:
    assert (
        first_contact_working_days([SignalKind.AFSLUITING], [ArrearsType.ELEKTRICITEIT], default=10)
        == 10
    )


def _easter_by_oudin(year: int) -> date:
    """Easter Sunday by Oudin's algorithm (1940), independent of the one under test."""
    century = year // 100
    golden = year % 19
    k = (century - 17) // 25
    i = (century - century // 4 - (century - k) // 3 + 19 * golden + 15) % 30
    i -= (i // 28) * (1 - (i // 28) * (29 // (i + 1)) * ((21 - golden) // 11))
    j = (year + year // 4 + i + 2 - century + century // 4) % 7
    moon = i - j
    month = 3 + (moon + 40) // 44
    return date(year, month, moon + 28 - 31 * (month // 4))


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (1818, date(1818, 3, 22)),  # the earliest possible
        (1943, date(1943, 4, 25)),  # the latest possible
        (1954, date(1954, 4, 18)),  # the years the algorithm's correction term m is 1
        (1981, date(1981, 4, 19)),
        (2049, date(2049, 4, 18)),
        (2076, date(2076, 4, 19)),
        (2100, date(2100, 3, 28)),
    ],
)
def test_r_fu_1_easter_at_the_edges_of_the_calendar(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


def test_r_fu_1_easter_agrees_with_an_independent_algorithm_for_every_gregorian_year() -> None:
    assert [y for y in range(1583, 4100) if easter_sunday(y) != _easter_by_oudin(y)] == []
