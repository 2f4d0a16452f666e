"""Working days as the Algemene termijnenwet (Atw) counts them: the legal calendar in one place
(domain §7, R-FU-1). Every deadline of the platform counts on it: followup's first-contact
deadlines and the deadline brp-check's review queue shows of a crisis item.

Atw art. 3 lid 1 names the general holidays: New Year's Day, the second days of Easter and
Whitsun, both days of Christmas, Ascension Day, the day the King's birthday is celebrated and
5 May; lid 2 adds Good Friday; by lid 3 a royal decree (koninklijk besluit) can add days, which
come from configuration. Saturdays and Sundays are no working days either (art. 1).

The Dutch calendar of the `holidays` package (country "NL") gives these days, with two
departures from the law, corrected in `general_holidays`:
- its `PUBLIC` category has 5 May only every fifth year (2025, 2030, 2035: a custom of
  collective labour agreements), while the Atw has it every year since 1982; the package's
  `OPTIONAL` category has exactly that, so both categories are asked for;
- its `PUBLIC` category has Easter Sunday and Whit Sunday, which art. 3 does not name (they
  are Sundays, so no working day anyway; they are left out so the list is the law's).
Good Friday (art. 3 lid 2) and King's Day on Saturday 26 April when the 27th is a Sunday
agree with the law; a test holds the list against the law for 2025–2035.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from functools import cache

from dateutil.easter import EASTER_WESTERN, easter

# Days a royal decree equates with the general holidays (Atw art. 3 lid 3): the "Besluit
# gelijkstelling van 2 januari 2026, 15 mei 2026, 7 mei 2027, 28 april 2028 en 26 mei 2028
# met een algemeen erkende feestdag" (bridge days after New Year's Day, Ascension Day and
# King's Day). The default of `VROEG_DECREED_DAYS_OFF`; a later decree is configured there.
DECREED_DAYS_OFF: tuple[date, ...] = (
    date(2026, 1, 2),
    date(2026, 5, 15),
    date(2027, 5, 7),
    date(2028, 4, 28),
    date(2028, 5, 26),
)

# Whit Sunday is the seventh Sunday after Easter Sunday.
_WHIT_SUNDAY = timedelta(days=49)


def easter_sunday(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the computus `holidays` itself uses)."""
    return easter(year, EASTER_WESTERN)


@cache
def general_holidays(year: int) -> frozenset[date]:
    """The general holidays of the Atw (art. 3 lid 1 and 2) in `year`, decreed days aside."""
    # Imported on first use: the package loads every country's calendar (about half a second,
    # once per process), which only the services that count deadlines need.
    import holidays
    from holidays.constants import OPTIONAL, PUBLIC

    # PUBLIC: New Year's Day, Good Friday (art. 3 lid 2), Easter Sunday and Monday, King's Day
    # (27 April, Saturday 26 April when the 27th is a Sunday), Ascension Day, Whit Sunday and
    # Monday, 25 and 26 December, and 5 May in lustrum years. OPTIONAL: 5 May in every year
    # since the Atw named it (1982) — art. 3 lid 1 knows no lustrum.
    listed = holidays.country_holidays("NL", years=year, categories=(PUBLIC, OPTIONAL))
    # Art. 3 names only the *second* days of Easter and Whitsun ("de Christelijke tweede Paas-
    # en Pinksterdag"): the first days are Sundays, which art. 1 covers on its own.
    sunday = easter_sunday(year)
    return frozenset(listed) - {sunday, sunday + _WHIT_SUNDAY}


def is_working_day(day: date, decreed_days_off: Collection[date]) -> bool:
    """Not a Saturday, Sunday, general holiday (Atw art. 3) or decreed day off (art. 3 lid 3)."""
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


def working_days_between(start: date, end: date, decreed_days_off: Collection[date]) -> int:
    """The working days after `start` up to and including `end` (so `add_working_days` undone);
    counted back, negative, when `end` lies before `start`."""
    if end < start:
        return -working_days_between(end, start, decreed_days_off)
    days = (start + timedelta(days=n) for n in range(1, (end - start).days + 1))
    return sum(1 for day in days if is_working_day(day, decreed_days_off))


def subtract_working_days(end: date, days: int, decreed_days_off: Collection[date]) -> date:
    """The day from which `days` working days remain until `end` (0: `end` itself)."""
    current, counted = end, 0
    while counted < days:
        current -= timedelta(days=1)
        if is_working_day(current, decreed_days_off):
            counted += 1
    return current
