"""The catalogue: every indicator of the Monitor Vroegsignalering (guideline Bijlage 1, §7–§9)
that the platform's lean facts support, defined once. The API, the CSV and the pages read it.

The definitions live by section (`volume`, `results`, `creditors`); `base` holds the dataclass
and the fact sets the queries count over. The regional total adds the numerators and the
denominators up, so a ratio is over the region, not an average of ratios. CAK registrations
produce no facts (§3), so no indicator can count them.
"""

from __future__ import annotations

from vroeg.reporting.indicators.base import Indicator
from vroeg.reporting.indicators.creditors import CREDITORS
from vroeg.reporting.indicators.results import RESULTS
from vroeg.reporting.indicators.volume import VOLUME

CATALOGUE: tuple[Indicator, ...] = VOLUME + RESULTS + CREDITORS
BY_NAME = {indicator.name: indicator for indicator in CATALOGUE}

__all__ = ["BY_NAME", "CATALOGUE", "Indicator"]
