"""Monitor (role analyst): the indicators of the Monitor Vroegsignalering for a month, quarter
or year — the funnel signals → cases → contact → acceptance and the breakdowns as server-side
SVG bar charts, each with its table, every indicator with its Dutch label and definition — and
the CSV download. Everything from reporting's API with the analyst's own token: its scoping
decides which municipalities' figures are shown (a regional centre's also their total)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.background import BackgroundTask

from vroeg.shared.clock import add_months, dutch_date
from vroeg.shared.events import now_utc
from vroeg.web import labels
from vroeg.web.rendering import euro, number, render
from vroeg.web.services import Services, call_as
from vroeg.web.sessions import Visit, requires_role, runtime

router = APIRouter(prefix="/monitor")
Analyst = Annotated[Visit, Depends(requires_role("analyst"))]
# reporting's own period pattern (a month, a quarter, a year), checked here first.
PERIOD = r"^\d{4}(-(0[1-9]|1[0-2])|-K[1-4])?$"
Periode = Annotated[str | None, Query(max_length=7, pattern=PERIOD)]
REGION = "regio"
# Ratios that are averages, not shares: shown as an amount or a number, not a percentage.
AVERAGES = {"schuldbedrag_per_melding": "euro", "signalen_per_melding": "getal"}
FUNNEL = (
    ("Signalen", "signalen"),
    ("Meldingen", "meldingen"),
    ("Contact met inwoner", "meldingen_met_contact"),
    ("Hulp geaccepteerd", "hulpacceptatie"),
)
# The breakdowns drawn as charts: title, indicator (its numerators per key).
BREAKDOWNS = (
    ("Signalen per type schuldeiser", "signalen_per_type_vlp"),
    ("Contactpogingen per soort", "contactpogingen"),
    ("Signalen per leeftijdsklasse", "leeftijd"),
    ("Meldingen per postcodegebied", "postcodegebied"),
)


@dataclass(frozen=True)
class Figure:
    """One figure as reporting gives it."""

    value: Decimal | None
    numerator: Decimal
    denominator: Decimal | None


@dataclass
class Indicator:
    """An indicator of the catalogue with its figures: per breakdown key ('' for none), per
    municipality (or the region)."""

    name: str
    label: str
    definition: str
    numerator: str
    denominator: str | None
    source: str
    breakdown: str | None
    rows: dict[str, dict[str, Figure]] = field(default_factory=dict)

    def shown(self, key: str, municipality: str) -> str:
        """The figure the Dutch way: a count, an average, or a share with what it is of."""
        figure = self.rows.get(key, {}).get(municipality)
        if figure is None:
            return "0" if self.denominator is None else "–"
        if self.denominator is None:
            return number(figure.numerator)
        if figure.value is None:
            return "–"
        if AVERAGES.get(self.name) == "euro":
            return euro(figure.value)
        if self.name in AVERAGES:
            return number(figure.value.quantize(Decimal("0.1")))
        percent = number((figure.value * 100).quantize(Decimal("0.1")))
        return f"{percent}% ({number(figure.numerator)} van {number(figure.denominator or 0)})"

    def numerator_of(self, key: str, municipality: str) -> Decimal:
        figure = self.rows.get(key, {}).get(municipality)
        return figure.numerator if figure else Decimal(0)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, the figure written beside it, its length (0–1)."""

    label: str
    text: str
    share: float


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart (drawn as SVG, the same figures as a table beside it)."""

    id: str
    title: str
    bars: list[Bar]


@dataclass(frozen=True)
class Monitor:
    """What the page shows: the municipalities asked, the column charts are drawn for (the
    region for several), and the catalogue with its figures."""

    municipalities: list[str]
    focus: str
    indicators: list[Indicator]

    @property
    def columns(self) -> list[str]:
        many = len(self.municipalities) > 1
        return [*self.municipalities, REGION] if many else self.municipalities

    def get(self, name: str) -> Indicator:
        return next(i for i in self.indicators if i.name == name)


def monitor_of(catalogue: list[dict[str, Any]], body: dict[str, Any]) -> Monitor:
    """reporting's catalogue and figures as the page reads them."""
    indicators = {
        d["naam"]: Indicator(
            d["naam"],
            d["label"],
            d["definitie"],
            d["teller"],
            d["noemer"],
            d["bron"],
            d["uitsplitsing"],
        )
        for d in catalogue
    }
    for v in body["waarden"]:
        indicator = indicators.get(v["indicator"])
        if indicator is None:
            continue
        figure = Figure(
            None if v["waarde"] is None else Decimal(str(v["waarde"])),
            Decimal(str(v["teller"])),
            None if v["noemer"] is None else Decimal(str(v["noemer"])),
        )
        indicator.rows.setdefault(v["uitsplitsing"] or "", {})[v["gemeente"]] = figure
    municipalities = list(body["gemeenten"])
    focus = REGION if len(municipalities) > 1 else municipalities[0]
    return Monitor(municipalities, focus, list(indicators.values()))


def chart(chart_id: str, title: str, pairs: list[tuple[str, Decimal]]) -> Chart:
    """Bars for (label, count) pairs, the longest the largest count."""
    top = max((count for _, count in pairs), default=Decimal(0))
    return Chart(
        chart_id,
        title,
        [Bar(label, number(count), float(count / top) if top else 0.0) for label, count in pairs],
    )


def charts(monitor: Monitor) -> tuple[Chart, list[Chart], Chart]:
    """The funnel, the breakdowns and the deadline compliance, for the focus column."""
    at = monitor.focus
    funnel = chart(
        "trechter",
        "Van signaal tot hulp",
        [(title, monitor.get(name).numerator_of("", at)) for title, name in FUNNEL],
    )
    breakdowns = []
    for index, (title, name) in enumerate(BREAKDOWNS):
        indicator = monitor.get(name)
        pairs = [
            (labels.label(key) if key else "onbekend", indicator.numerator_of(key, at))
            for key in sorted(indicator.rows)
            if at in indicator.rows[key]
        ]
        breakdowns.append(chart(f"uitsplitsing-{index}", title, pairs))
    deadline = monitor.get("termijn_gehaald").rows.get("", {}).get(at)
    met = deadline.numerator if deadline else Decimal(0)
    late = (deadline.denominator or Decimal(0)) - met if deadline else Decimal(0)
    compliance = chart(
        "termijn",
        "Eerste contact binnen de termijn",
        [("Op tijd", met), ("Te laat of gemist", late)],
    )
    return funnel, breakdowns, compliance


def period_name(period: str) -> str:
    """`2026-10`: `oktober 2026`, `2026-K4`: `4e kwartaal 2026`, `2026`: `2026`."""
    if "-K" in period:
        year, quarter = period.split("-K")
        return f"{quarter}e kwartaal {year}"
    if "-" in period:
        year, month = period.split("-")
        return f"{labels.MONTHS[int(month) - 1]} {year}"
    return period


def period_choices(today: date) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods to pick: the last 12 months, the last 4 quarters and the last 3 years."""
    first = today.replace(day=1)
    months = [add_months(first, -i).strftime("%Y-%m") for i in range(12)]
    quarter_start = first.replace(month=3 * ((today.month - 1) // 3) + 1)
    quarters = [
        f"{d.year}-K{(d.month - 1) // 3 + 1}"
        for d in (add_months(quarter_start, -3 * i) for i in range(4))
    ]
    years = [str(today.year - i) for i in range(3)]
    return [
        (group, [(p, period_name(p)) for p in periods])
        for group, periods in (("Maand", months), ("Kwartaal", quarters), ("Jaar", years))
    ]


def _asked(visit: Visit, periode: str | None) -> dict[str, str]:
    params = {"periode": periode or dutch_date(now_utc()).strftime("%Y-%m")}
    if visit.session.municipality:
        params["gemeente"] = visit.session.municipality
    return params


@router.get("")
async def monitor_page(request: Request, visit: Analyst, periode: Periode = None) -> HTMLResponse:
    """The indicators of a period for the analyst's municipalities (or the one they chose)."""
    params = _asked(visit, periode)
    catalogue = await call_as(request, visit, "reporting", "GET", "/indicatoren")
    body = await call_as(request, visit, "reporting", "GET", "/indicatorwaarden", params=params)
    monitor = monitor_of(catalogue, body)
    funnel, breakdowns, compliance = charts(monitor)
    return render(
        request,
        "monitor.html",
        visit,
        monitor=monitor,
        funnel=funnel,
        funnel_steps=FUNNEL,
        breakdowns=breakdowns,
        compliance=compliance,
        period=params["periode"],
        period_name=period_name(params["periode"]),
        choices=period_choices(dutch_date(now_utc())),
        region=REGION,
    )


@router.get("/csv")
async def download(request: Request, visit: Analyst, periode: Periode = None) -> StreamingResponse:
    """reporting's CSV of the period, streamed through as it comes."""
    params = _asked(visit, periode)
    services = runtime(request).resources.get(Services)
    upstream = await services.stream(
        "reporting",
        "/indicatorwaarden/csv",
        token=visit.session.access_token,
        params=params,
    )
    name = re.sub(r"[^\w.-]", "", f"indicatoren-{params['periode']}.csv")
    return StreamingResponse(
        upstream.aiter_bytes(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
        background=BackgroundTask(upstream.aclose),
    )
