"""Periods, the region's arithmetic and the Dutch CSV, as pure functions."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from vroeg.reporting.indicators import BY_NAME, CATALOGUE
from vroeg.reporting.monitor import REGION, Value, _region, parse_period, to_csv
from vroeg.reporting.rollup import TRACKED
from vroeg.shared.http import Problem


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-10", date(2026, 10, 1), date(2026, 11, 1)),
        ("2026-12", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-K4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-K1", date(2026, 1, 1), date(2026, 4, 1)),
        ("2026", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_a_period_is_a_month_a_quarter_or_a_year(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    "text",
    ["2026-13", "2026-00", "2026-K0", "2026-K5", "26", "2026-1", "", "0000", "9999-12", "9999-K4"],
)
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(Problem) as refused:
        parse_period(text)
    assert refused.value.status == 400


def test_a_share_over_the_region_counts_each_municipalitys_whole_once() -> None:
    routes = BY_NAME["eindroute"]
    values = [
        Value(routes, "0363", "resident", Decimal(3), Decimal(4)),
        Value(routes, "0363", "deceased", Decimal(1), Decimal(4)),
        Value(routes, "0518", "resident", Decimal(6), Decimal(6)),
    ]
    region = {v.key: v for v in _region(routes, values)}
    assert region["deceased"].value == Decimal("0.1")  # 1 of 10, not 1 of 4
    assert region["resident"].value == Decimal("0.9")
    assert {v.municipality for v in region.values()} == {REGION}


def test_a_ratio_per_key_adds_up_its_own_denominators() -> None:
    reached = BY_NAME["bereikt_per_soort"]
    values = [
        Value(reached, "0363", "BRIEF", Decimal(1), Decimal(4)),
        Value(reached, "0518", "BRIEF", Decimal(3), Decimal(4)),
        Value(reached, "0518", "TELEFOON", Decimal(2), Decimal(2)),
    ]
    region = {v.key: v for v in _region(reached, values)}
    assert region["BRIEF"].value == Decimal("0.5")
    assert region["TELEFOON"].value == Decimal("1")


def test_the_csv_is_what_a_dutch_spreadsheet_reads() -> None:
    amount = BY_NAME["schuldbedrag_per_melding"]
    values = [Value(amount, "0363", "", Decimal("2500.50"), Decimal(3))]
    lines = to_csv(values, parse_period("2026-10")).splitlines()
    assert lines[0] == "Periode;Gemeente;Indicator;Uitsplitsing;Waarde;Teller;Noemer"
    assert lines[1] == "2026-10;0363;Hoogte schuldbedrag per melding;;833,5000;2500,50;3"


def test_every_indicator_is_defined_once_with_its_source() -> None:
    assert len(BY_NAME) == len(CATALOGUE)
    for indicator in CATALOGUE:
        assert all((indicator.label, indicator.definition, indicator.numerator))
        assert indicator.source
        assert indicator.share <= (indicator.denominator is not None)


def test_a_by_month_indicator_reads_only_tables_that_mark_their_months_stale() -> None:
    """A table without migration 0007's triggers would leave the rollup's months out of date
    unnoticed: an indicator reading one is counted over the whole period instead."""
    for indicator in CATALOGUE:
        if indicator.by_month:
            read = set(re.findall(r"\b(?:FROM|JOIN)\s+([a-z_]+)\b", indicator.query))
            assert read, indicator.name
            assert read <= TRACKED, (indicator.name, read - TRACKED)
