"""Follow-up deadlines, as pure functions (domain §7, R-FU-1)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from vroeg.shared.events import ArrearsType, SignalKind

WATER_DISCONNECTION_WORKING_DAYS = 3


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    j = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * j) // 451
    month, day = divmod(h + j - 7 * m + 114, 31)
    return date(year, month, day + 1)


def general_holidays(year: int) -> frozenset[date]:
    """The days the Algemene termijnenwet (art. 3) treats like Sundays, in `year`.

    New Year's Day, Good Friday, Easter Monday, Ascension Day, Whit Monday, Christmas and
    Boxing Day, King's Day (27 April; the 26th when the 27th is a Sunday) and 5 May — every
    year, not only in lustrum years as some holiday libraries have it.
    """
    easter = easter_sunday(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:
        kings_day = date(year, 4, 26)
    return frozenset(
        {
            date(year, 1, 1),
            easter - timedelta(days=2),
            easter + timedelta(days=1),
            kings_day,
            date(year, 5, 5),
            easter + timedelta(days=39),
            easter + timedelta(days=50),
            date(year, 12, 25),
            date(year, 12, 26),
        }
    )


def is_working_day(day: date, decreed_days_off: Collection[date]) -> bool:
    """Not a Saturday, Sunday, general holiday or decreed day off."""
    return (
        day.weekday() < 5 and day not in general_holidays(day.year) and day not in decreed_days_off
    )


def add_working_days(start: date, days: int, decreed_days_off: Collection[date]) -> date:
    """The date `days` working days after `start` (the start day itself does not count)."""
    current, counted = start, 0
    while counted < days:
        current += timedelta(days=1)
        if is_working_day(current, decreed_days_off):
            counted += 1
    return current


def first_contact_working_days(
    kinds: Iterable[SignalKind], arrears_types: Iterable[ArrearsType], default: int
) -> int:
    """R-FU-1: an announced water disconnection needs contact within 3 working days."""
    if SignalKind.AFSLUITING in set(kinds) and ArrearsType.DRINKWATER in set(arrears_types):
        return WATER_DISCONNECTION_WORKING_DAYS
    return default


def first_contact_due(
    signals: Iterable[tuple[date, SignalKind, ArrearsType]],
    default: int,
    decreed_days_off: Collection[date],
) -> tuple[date, int, date]:
    """R-FU-1: each signal's first contact is due its working days after its receipt (the
    Dutch date intake received it; that day not counted), so a crisis signal that joins a
    case tightens the case's deadline. The case's deadline is the earliest: (due date,
    working days, the receipt it counts from)."""
    best: tuple[date, int, date] | None = None
    for received_on, kind, arrears_type in signals:
        days = first_contact_working_days([kind], [arrears_type], default)
        due = add_working_days(received_on, days, decreed_days_off)
        if best is None or due < best[0]:
            best = (due, days, received_on)
    if best is None:
        raise ValueError("a case has at least one signal")
    return best
