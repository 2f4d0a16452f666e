"""What every indicator is (the dataclass) and the fact sets their queries count over.

Each indicator's query gives, per municipality and breakdown key, a numerator and a
denominator (None: a plain count) over the days [:start, :end) and the municipalities :ms.
Signals count in the period of their receipt, cases in that of their opening (their contact,
outcome and deadline with them), attempts in that of the attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from vroeg.shared.events import CRISIS_KINDS

CRISIS = ", ".join(f"'{k.value}'" for k in sorted(CRISIS_KINDS))

# Signals taken up (not refused) received in the period.
SIGNALS = """
    FROM signal_facts s
    WHERE s.refusal IS NULL AND s.municipality = ANY(:ms)
      AND s.received_on >= :start AND s.received_on < :end
"""
SIGNALS_ROUTED = """
    FROM signal_facts s LEFT JOIN route_facts r ON r.signal_id = s.signal_id
    WHERE s.refusal IS NULL AND s.municipality = ANY(:ms)
      AND s.received_on >= :start AND s.received_on < :end
"""
# Cases opened in the period.
CASES = """
    FROM cases c
    WHERE c.municipality = ANY(:ms) AND c.opened_on >= :start AND c.opened_on < :end
"""
# Cases opened in the period that are closed, with their outcome.
CLOSED = """
    FROM cases c JOIN outcomes o ON o.case_id = c.case_id
    WHERE c.status = 'CLOSED' AND c.municipality = ANY(:ms)
      AND c.opened_on >= :start AND c.opened_on < :end
"""
# Attempts made in the period.
ATTEMPTS = """
    FROM attempts a
    WHERE a.municipality = ANY(:ms) AND a.attempted_on >= :start AND a.attempted_on < :end
"""
# Each attempt of the cases opened in the period, with the case's outcome if it is closed.
CASE_ATTEMPTS = """
    FROM cases c
    JOIN attempts a ON a.case_id = c.case_id
    LEFT JOIN outcomes o ON o.case_id = c.case_id AND c.status = 'CLOSED'
    WHERE c.municipality = ANY(:ms) AND c.opened_on >= :start AND c.opened_on < :end
"""
PER_MUNICIPALITY = "OVER (PARTITION BY c.municipality)"


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it is called, what it counts over what, and where the guideline
    asks for it."""

    name: str
    label: str  # Dutch, as the CSV and the pages show it
    definition: str
    numerator: str
    denominator: str | None  # None: a count
    source: str  # the guideline's section
    breakdown: str | None  # Dutch name of the breakdown key; None: one figure
    query: str
    # The denominator is the municipality's whole (a share of it per key), not the key's own:
    # the region's is then the municipalities' wholes together.
    share: bool = False
    # A period's figures are its months' figures added up: every row the query counts falls
    # in one month by one date of its own (receipt, opening, attempt, decision), and the query
    # reads only tables whose changes mark their months stale (`rollup.TRACKED`). Such an
    # indicator is kept per month (`rollup`) and read from there; any other (a state at a
    # moment, a silence over weeks, a distinct count across months) is computed over the
    # whole period on every request.
    by_month: bool = False


def count(
    name: str,
    label: str,
    definition: str,
    numerator: str,
    source: str,
    query: str,
    breakdown: str | None = None,
    *,
    by_month: bool = False,
) -> Indicator:
    return Indicator(
        name, label, definition, numerator, None, source, breakdown, query, by_month=by_month
    )
