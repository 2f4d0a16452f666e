"""Dates as the law counts them: in Dutch time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
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


class Clock:
    """Where a service's scheduled work reads the time: the system's, or in development and
    tests a moment written in a file (`VROEG_CLOCK_FILE`), so a test can move time for every
    process at once. Production refuses the file (`vroeg.shared.settings`)."""

    def __init__(self, moved_by: Path | None = None) -> None:
        self._file = moved_by

    def now(self) -> datetime:
        """The current moment, aware."""
        if self._file is not None:
            try:
                text = self._file.read_text().strip()
            except FileNotFoundError:
                text = ""
            if text:
                moment = datetime.fromisoformat(text)
                if moment.tzinfo is None:
                    raise ValueError(f"{self._file} must name an aware moment")
                return moment
        return datetime.now(UTC)

    def today(self) -> date:
        """Today's Dutch date."""
        return dutch_date(self.now())
