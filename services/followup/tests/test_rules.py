"""First-contact deadlines (R-FU-1); the working days they count are tested in test_calendar.py
here and in shared/tests/test_calendar.py."""

from __future__ import annotations

from vroeg.followup.rules import first_contact_working_days
from vroeg.shared.events import ArrearsType, SignalKind


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
