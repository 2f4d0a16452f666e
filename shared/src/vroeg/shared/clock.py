"""Dates as the law counts them: in Dutch time."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def dutch_time() -> ZoneInfo:
    """Europe/Amsterdam (loaded on first use, not at import)."""
    return ZoneInfo("Europe/Amsterdam")


def dutch_date(moment: datetime) -> date:
    """The calendar date in the Netherlands at an aware moment."""
    return moment.astimezone(dutch_time()).date()
