"""The indicators' figures for a period: per municipality and for the region (the caller's
municipalities together), and the CSV Dutch spreadsheets read."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from http import HTTPStatus

from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.reporting import repository
from vroeg.reporting.indicators import CATALOGUE, Indicator
from vroeg.reporting.repository import Figure
from vroeg.shared.clock import add_months
from vroeg.shared.http import Problem

REGION = "regio"
# Years of this century: a period's end (the day after it) always exists.
_PERIOD = re.compile(r"^(20\d\d)(?:-(0[1-9]|1[0-2])|-K([1-4]))?$")


@dataclass(frozen=True)
class Period:
    """A month (`2026-10`), a quarter (`2026-K4`) or a year (`2026`): the days [start, end)."""

    label: str
    start: date
    end: date


def parse_period(text: str) -> Period:
    """The period a `periode` parameter names; 400 for anything else."""
    found = _PERIOD.match(text)
    if not found:
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            code="invalid-period",
            title="Bad Request",
            detail="`periode` is a month (2026-10), a quarter (2026-K4) or a year (2026), "
            "from 2000 to 2099.",
        )
    year, month, quarter = found.groups()
    if month:
        start, months = date(int(year), int(month), 1), 1
    elif quarter:
        start, months = date(int(year), 3 * int(quarter) - 2, 1), 3
    else:
        start, months = date(int(year), 1, 1), 12
    return Period(text, start, add_months(start, months))


@dataclass(frozen=True)
class Value:
    """One figure: an indicator for a municipality (or the region) and breakdown key."""

    indicator: Indicator
    municipality: str
    key: str
    numerator: Decimal
    denominator: Decimal | None

    @property
    def value(self) -> Decimal | None:
        """The count, or the ratio (4 decimals); None for a ratio over nothing."""
        if self.indicator.denominator is None:
            return self.numerator
        if not self.denominator:
            return None
        return (self.numerator / self.denominator).quantize(Decimal("0.0001"), ROUND_HALF_UP)


async def compute(
    session: AsyncSession,
    municipalities: Sequence[str],
    period: Period,
    indicators: Iterable[Indicator] = CATALOGUE,
) -> list[Value]:
    """Every indicator per municipality, then the regional total, in catalogue order.

    A by-month indicator is its months added up: each month as the rollup keeps it, a month
    whose facts changed since (for any of the municipalities) counted from the facts, a run of
    such months in one query. Any other indicator is counted over the whole period."""
    ms = sorted(municipalities)
    chosen = list(indicators)
    stale = await repository.stale_months(session, ms, period.start, period.end)
    kept_months = [m for m in _months(period) if m not in stale]
    kept: dict[str, list[Figure]] = defaultdict(list)
    monthly = [i for i in chosen if i.by_month]
    if monthly and kept_months:
        shares = {i.name for i in monthly if i.share}
        names = [i.name for i in monthly]
        for name, f, whole in await repository.kept_figures(session, names, ms, kept_months):
            kept[name].append(replace(f, denominator=whole) if name in shares else f)
    values: list[Value] = []
    for indicator in chosen:
        spans = _runs(stale) if indicator.by_month else [(period.start, period.end)]
        parts = [kept[indicator.name]] if indicator.by_month and kept_months else []
        for start, end in spans:
            parts.append(await repository.figures(session, indicator.query, ms, start, end))
        per = [
            Value(indicator, f.municipality, f.key, f.numerator, f.denominator)
            for f in _added(indicator, parts)
        ]
        values += sorted(per, key=lambda v: (v.municipality, v.key))
        values += _region(indicator, per)
    return values


def _months(period: Period) -> list[date]:
    months, month = [], period.start
    while month < period.end:
        months.append(month)
        month = add_months(month, 1)
    return months


def _runs(months: Sequence[date]) -> list[tuple[date, date]]:
    """Consecutive months as the days [start, end) of each run."""
    runs: list[tuple[date, date]] = []
    for month in months:
        if runs and runs[-1][1] == month:
            runs[-1] = (runs[-1][0], add_months(month, 1))
        else:
            runs.append((month, add_months(month, 1)))
    return runs


def _added(indicator: Indicator, parts: Sequence[Sequence[Figure]]) -> list[Figure]:
    """Figures of consecutive parts of a period as the period's: per municipality and key the
    numerators added up, and the denominators — for a share, the municipality's whole of each
    part, whether or not the key occurs in it."""
    if len(parts) == 1:
        return list(parts[0])
    numerators: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    denominators: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    wholes: dict[str, Decimal] = defaultdict(Decimal)
    for part in parts:
        part_wholes = {}
        for f in part:
            numerators[f.municipality, f.key] += f.numerator
            denominators[f.municipality, f.key] += f.denominator or 0
            part_wholes[f.municipality] = f.denominator or Decimal(0)
        for municipality, whole in part_wholes.items():
            wholes[municipality] += whole
    return [
        Figure(
            m,
            key,
            numerator,
            None
            if indicator.denominator is None
            else wholes[m]
            if indicator.share
            else denominators[m, key],
        )
        for (m, key), numerator in numerators.items()
    ]


def _region(indicator: Indicator, values: Sequence[Value]) -> list[Value]:
    """The municipalities together: numerators added up, and denominators too — for a share,
    each municipality's whole once, whether or not it has the key."""
    numerators: dict[str, Decimal] = defaultdict(Decimal)
    denominators: dict[str, Decimal] = defaultdict(Decimal)
    wholes = {v.municipality: v.denominator or Decimal(0) for v in values}
    for v in values:
        numerators[v.key] += v.numerator
        denominators[v.key] += v.denominator or 0
    return [
        Value(
            indicator,
            REGION,
            key,
            numerators[key],
            None
            if indicator.denominator is None
            else sum(wholes.values(), Decimal(0))
            if indicator.share
            else denominators[key],
        )
        for key in sorted(numerators)
    ]


CSV_COLUMNS = (
    "Periode",
    "Gemeente",
    "Indicator",
    "Uitsplitsing",
    "Waarde",
    "Teller",
    "Noemer",
)


def _dutch(number: Decimal | None) -> str:
    """A number as Dutch spreadsheets read it: a decimal comma, no thousands separator."""
    if number is None:
        return ""
    text = format(number.normalize(), "f") if number == number.to_integral() else str(number)
    return text.replace(".", ",")


def to_csv(values: Sequence[Value], period: Period) -> str:
    """The figures as CSV: Dutch labels, `;` between fields, decimal comma."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for v in values:
        breakdown = f"{v.indicator.breakdown}: {v.key}" if v.indicator.breakdown else ""
        writer.writerow(
            (
                period.label,
                "Regio (alle gemeenten)" if v.municipality == REGION else v.municipality,
                v.indicator.label,
                breakdown,
                _dutch(v.value),
                _dutch(v.numerator),
                _dutch(v.denominator),
            )
        )
    return out.getvalue()
