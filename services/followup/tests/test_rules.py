"""First-contact deadlines (R-FU-1); the working days they count are tested in test_calendar.py
here and in shared/tests/test_calendar.py."""

from __future__ import annotations

from datetime import date

from vroeg.followup.rules import first_contact_due, first_contact_working_days
from vroeg.shared.calendar import working_days_between
from vroeg.shared.events import ArrearsType, SignalKind


def test_a_water_disconnection_needs_contact_within_3_working_days() -> None:
    assert (
        first_contact_working_days([SignalKind.AFSLUITING], [ArrearsType.DRINKWATER], default=10)
        == 3
    )


def test_an_energy_disconnection_or_an_eviction_follows_policy_default_on() -> None:
    for kind, arrears in (
        (SignalKind.AFSLUITING, ArrearsType.ELEKTRICITEIT),
        (SignalKind.UITHUISZETTING, ArrearsType.HUUR),
    ):
        assert first_contact_working_days([kind], [arrears], default=10) == 3
        assert first_contact_working_days([kind], [arrears], default=10, other_crises=False) == 10
    # A water disconnection is the law's, whatever the policy.
    water = ([SignalKind.AFSLUITING], [ArrearsType.DRINKWATER])
    assert first_contact_working_days(*water, default=10, other_crises=False) == 3


def test_r_fu_1_a_crisis_signal_that_waited_two_working_days_in_review_has_one_left() -> None:
    # Received Monday 7 December 2026, routed after two working days in the review queue: the
    # deadline counts from the receipt, so Thursday 10 December, one working day after Wed 9.
    due, working_days, counted_from = first_contact_due(
        [(date(2026, 12, 7), SignalKind.AFSLUITING, ArrearsType.DRINKWATER)], 10, ()
    )
    assert (due, working_days, counted_from) == (date(2026, 12, 10), 3, date(2026, 12, 7))
    routed_on = date(2026, 12, 9)
    assert working_days_between(routed_on, due, ()) == 1
