"""The legal calendar against the law: the general holidays of the Algemene termijnenwet (art. 3)
for every year 2025–2035, Easter, and what counts as a working day (R-FU-1, domain §7)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vroeg.shared.calendar import (
    DECREED_DAYS_OFF,
    add_working_days,
    easter_sunday,
    general_holidays,
    is_working_day,
    working_days_between,
)

HOLIDAYS = (
    "New Year's Day",  # art. 3 lid 1
    "Good Friday",  # art. 3 lid 2
    "Easter Monday",  # art. 3 lid 1: "de Christelijke tweede Paasdag"
    "King's Day",  # art. 3 lid 1: the day the King's birthday is celebrated (27 April; 26 if Sunday)
    "5 May",  # art. 3 lid 1: "de vijfde mei", every year
    "Ascension Day",
    "Whit Monday",  # "de Christelijke tweede Pinksterdag"
    "Christmas Day",
    "Boxing Day",
)
# (month, day) of each of HOLIDAYS, written out by hand: Easter from the Gregorian computus
# (checked below against Oudin's algorithm), and the dates checked against the published lists
# of 2026 and 2028. King's Day is on Saturday 26 April in 2025 and 2031, when the 27th is a
# Sunday; Ascension Day falls before 5 May in 2035.
ATW_ART_3: dict[int, tuple[tuple[int, int], ...]] = {
    2025: ((1, 1), (4, 18), (4, 21), (4, 26), (5, 5), (5, 29), (6, 9), (12, 25), (12, 26)),
    2026: ((1, 1), (4, 3), (4, 6), (4, 27), (5, 5), (5, 14), (5, 25), (12, 25), (12, 26)),
    2027: ((1, 1), (3, 26), (3, 29), (4, 27), (5, 5), (5, 6), (5, 17), (12, 25), (12, 26)),
    2028: ((1, 1), (4, 14), (4, 17), (4, 27), (5, 5), (5, 25), (6, 5), (12, 25), (12, 26)),
    2029: ((1, 1), (3, 30), (4, 2), (4, 27), (5, 5), (5, 10), (5, 21), (12, 25), (12, 26)),
    2030: ((1, 1), (4, 19), (4, 22), (4, 27), (5, 5), (5, 30), (6, 10), (12, 25), (12, 26)),
    2031: ((1, 1), (4, 11), (4, 14), (4, 26), (5, 5), (5, 22), (6, 2), (12, 25), (12, 26)),
    2032: ((1, 1), (3, 26), (3, 29), (4, 27), (5, 5), (5, 6), (5, 17), (12, 25), (12, 26)),
    2033: ((1, 1), (4, 15), (4, 18), (4, 27), (5, 5), (5, 26), (6, 6), (12, 25), (12, 26)),
    2034: ((1, 1), (4, 7), (4, 10), (4, 27), (5, 5), (5, 18), (5, 29), (12, 25), (12, 26)),
    2035: ((1, 1), (3, 23), (3, 26), (4, 27), (5, 5), (5, 3), (5, 14), (12, 25), (12, 26)),
}
EASTER = {
    2025: date(2025, 4, 20),
    2026: date(2026, 4, 5),
    2027: date(2027, 3, 28),
    2028: date(2028, 4, 16),
    2029: date(2029, 4, 1),
    2030: date(2030, 4, 21),
    2031: date(2031, 4, 13),
    2032: date(2032, 3, 28),
    2033: date(2033, 4, 17),
    2034: date(2034, 4, 9),
    2035: date(2035, 3, 25),
}


def _law(year: int) -> dict[str, date]:
    return {name: date(year, m, d) for name, (m, d) in zip(HOLIDAYS, ATW_ART_3[year], strict=True)}


@pytest.mark.parametrize(
    ("year", "holiday"), [(year, holiday) for year in ATW_ART_3 for holiday in HOLIDAYS]
)
def test_r_fu_1_every_holiday_of_atw_art_3_is_no_working_day_2025_to_2035(
    year: int, holiday: str
) -> None:
    day = _law(year)[holiday]
    assert day in general_holidays(year)
    assert not is_working_day(day, ())


@pytest.mark.parametrize("year", list(ATW_ART_3))
def test_r_fu_1_the_general_holidays_are_exactly_those_of_atw_art_3(year: int) -> None:
    # Nothing more: not the Easter and Whit Sundays the library lists, no decreed day.
    assert sorted(general_holidays(year)) == sorted(_law(year).values())


@pytest.mark.parametrize("year", list(ATW_ART_3))
def test_the_table_follows_from_the_computus(year: int) -> None:
    """Keeps the hand-written table honest: its movable days from Oudin's Easter."""
    easter = _easter_by_oudin(year)
    assert easter == EASTER[year] == easter_sunday(year)
    law = _law(year)
    assert law["Good Friday"] == easter - timedelta(days=2)
    assert law["Easter Monday"] == easter + timedelta(days=1)
    assert law["Ascension Day"] == easter + timedelta(days=39)
    assert law["Whit Monday"] == easter + timedelta(days=50)
    assert law["King's Day"].weekday() != 6
    assert law["King's Day"] == date(year, 4, 27 if date(year, 4, 27).weekday() != 6 else 26)


@pytest.mark.parametrize("year", [2025, 2031])
def test_r_fu_1_kings_day_on_a_sunday_is_the_saturday_before_not_the_monday_after(
    year: int,
) -> None:
    assert date(year, 4, 27).weekday() == 6
    assert date(year, 4, 26) in general_holidays(year)
    assert date(year, 4, 27) not in general_holidays(year)
    assert is_working_day(date(year, 4, 28), ())


def test_r_fu_1_the_default_decreed_days_are_the_decree_of_2026_to_2028() -> None:
    # The decree of 2026–2028 is the configured default (Atw art. 3 lid 3).
    assert set(DECREED_DAYS_OFF) == {
        date(2026, 1, 2),
        date(2026, 5, 15),
        date(2027, 5, 7),
        date(2028, 4, 28),
        date(2028, 5, 26),
    }
    for day in DECREED_DAYS_OFF:
        assert day.weekday() == 4  # each a Friday after a holiday
        assert not is_working_day(day, DECREED_DAYS_OFF)
        assert is_working_day(day, ())
        assert day not in general_holidays(day.year)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 12, 4), True),  # a Friday
        (date(2026, 12, 5), False),  # Saturday
        (date(2026, 12, 6), False),  # Sunday
        (date(2026, 12, 24), True),  # Christmas Eve is no holiday
        (date(2026, 12, 31), True),  # nor is New Year's Eve
        (date(2027, 5, 4), True),  # Remembrance Day is no holiday
    ],
)
def test_weekends_are_no_working_days_and_other_days_are(day: date, working: bool) -> None:
    assert is_working_day(day, DECREED_DAYS_OFF) is working


def test_add_working_days_does_not_count_the_start_day() -> None:
    assert add_working_days(date(2026, 11, 30), 1, ()) == date(2026, 12, 1)  # Monday → Tuesday
    assert add_working_days(date(2026, 11, 28), 1, ()) == date(2026, 11, 30)  # Saturday → Monday
    assert add_working_days(date(2026, 11, 30), 0, ()) == date(2026, 11, 30)


@pytest.mark.parametrize(
    "start",
    [
        date(2026, 11, 27),
        date(2026, 11, 28),
        date(2026, 4, 2),
        date(2026, 5, 13),
        date(2025, 12, 23),
    ],
)
@pytest.mark.parametrize("days", [0, 1, 3, 10])
def test_working_days_between_undoes_add_working_days(start: date, days: int) -> None:
    due = add_working_days(start, days, DECREED_DAYS_OFF)
    assert working_days_between(start, due, DECREED_DAYS_OFF) == days
    assert working_days_between(due, start, DECREED_DAYS_OFF) == -days


@pytest.mark.parametrize(
    ("today", "due", "left"),
    [
        (date(2026, 12, 2), date(2026, 12, 2), 0),  # due today
        (date(2026, 12, 4), date(2026, 12, 7), 1),  # Friday, due Monday: one working day
        (date(2026, 12, 5), date(2026, 12, 7), 1),  # Saturday, due Monday
        (date(2026, 5, 13), date(2026, 5, 18), 1),  # Ascension Day and the decreed Friday between
        (date(2026, 12, 8), date(2026, 12, 4), -2),  # due last Friday: Monday and Tuesday past it
    ],
)
def test_working_days_left_until_a_deadline(today: date, due: date, left: int) -> None:
    assert working_days_between(today, due, DECREED_DAYS_OFF) == left


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
        (1954, date(1954, 4, 18)),
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
