"""Follow-up deadlines, as pure functions (domain §7, R-FU-1)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date

# The legal calendar (Algemene termijnenwet art. 3) lives in one place, `vroeg.shared.calendar`,
# shared with brp-check's review queue; followup's callers find it here too.
from vroeg.shared.calendar import add_working_days as add_working_days
from vroeg.shared.calendar import is_working_day as is_working_day
from vroeg.shared.events import ArrearsType, SignalKind

WATER_DISCONNECTION_WORKING_DAYS = 3


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
