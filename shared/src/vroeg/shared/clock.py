"""Dates as the law counts them: in Dutch time."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo


@cache
def dutch_time() -> ZoneInfo:
    """Europe/Amsterdam (loaded on first use, not at import)."""
    return ZoneInfo("Europe/Amsterdam")


def dutch_date(moment: datetime) -> date:
    """The calendar date in the Netherlands at an aware moment."""
    return moment.astimezone(dutch_time()).date()


Day = TypeVar("Day", date, datetime)


def add_months(day: Day, months: int) -> Day:
    """The same day (and time) `months` later, or earlier when negative; the month's last
    day where it has none (31 August + 6 months is 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
