"""The Monitor page in a real browser: an analyst of a regional centre sees every indicator of a
period as reporting's API gives it, for each municipality and their region, with the funnel
and breakdowns as charts; picks another period, switches municipality, downloads the CSV; other
roles get the 403 page (issue 13).

The identity provider, reporting and the web app run as processes; reporting keeps a small
month of lean facts (signals, routes, cases, an attempt, an outcome, a deadline met) from its
fact topics as in production. Every page is screenshot and checked with axe-core."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Page

from tests.support.browser import check_page, sign_in
from tests.support.fixtures import Isolation, isolated, platform_for, staff_headers
from tests.support.kafka import publish, wait_until_consumed
from tests.support.monitor import this_month
from tests.support.signals import opened_case
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform
from vroeg.shared.clock import dutch_date
from vroeg.shared.events import (
    AgeBand,
    ArrearsType,
    CaseOutcomeRegistered,
    CaseStatus,
    CaseUpdated,
    ContactAttempted,
    ContactKind,
    ContactResult,
    Event,
    FirstContactDeadlineSet,
    FirstContactMet,
    OutcomeCategory,
    OutcomeDetail,
    Route,
    RouteFact,
    SignalFact,
    SignalKind,
    VlpType,
)
from vroeg.shared.topics import consumed_by, topic_for

REGIONAL = "analyst-regio"
USERS = [
    (REGIONAL, ["analyst"], ["0363", "0518"]),
    ("vroegsignaleerder-0363", ["vroegsignaleerder"], ["0363"]),
]


def _signal(municipality: str, vlp_type: VlpType, age: AgeBand) -> SignalFact:
    now = datetime.now(UTC)
    return SignalFact(
        municipality=municipality,
        occurred_at=now,
        signal_id=uuid4(),
        vlp_id=f"vlp-{vlp_type.value.lower()}",
        vlp_type=vlp_type,
        kind=SignalKind.VROEGSIGNAAL,
        arrears_type=ArrearsType.HUUR,
        amount=Decimal("400.00"),
        postcode_area="1012",
        age_band=age,
        phone_present=True,
        email_present=False,
        received_at=now,
    )


def _facts() -> list[Event]:
    """Three signals in Amsterdam, one in The Hague; a case in each, Amsterdam's reached by
    letter on time and closed with help accepted."""
    now, today = datetime.now(UTC), dutch_date(datetime.now(UTC))
    signals = [
        _signal("0363", VlpType.HUUR, AgeBand.FROM_27),
        _signal("0363", VlpType.HUUR, AgeBand.FROM_45),
        _signal("0363", VlpType.DRINKWATER, AgeBand.FROM_27),
        _signal("0518", VlpType.ENERGIE, AgeBand.FROM_27),
    ]
    routes = [
        RouteFact(
            municipality=s.municipality,
            occurred_at=now,
            signal_id=s.signal_id,
            route=Route.RESIDENT,
            reviewed=False,
            debt_help=None,
            age_band=s.age_band,
            household_size=2,
            minors_present=False,
            routed_at=now,
        )
        for s in signals
    ]
    case, other = opened_case(kind=SignalKind.VROEGSIGNAAL), opened_case(municipality="0518")
    closed = case.state.model_copy(update={"version": 2, "status": CaseStatus.CLOSED})
    deadline = {"municipality": "0363", "occurred_at": now, "due_date": today}
    return [
        *signals,
        *routes,
        case,
        other,
        FirstContactDeadlineSet(case_id=case.case_id, working_days=10, opened_on=today, **deadline),
        ContactAttempted(
            municipality="0363",
            occurred_at=now,
            case_id=case.case_id,
            attempt_id=uuid4(),
            kind=ContactKind.BRIEF,
            attempted_on=today,
            result=ContactResult.BEREIKT,
            automatic=False,
        ),
        FirstContactMet(
            case_id=case.case_id, attempted_on=today, on_time=True, crisis=False, **deadline
        ),
        CaseOutcomeRegistered(
            municipality="0363",
            occurred_at=now,
            case_id=case.case_id,
            signal_ids=(),
            category=OutcomeCategory.WIL_HULP,
            detail=OutcomeDetail.QUICK_FIX,
            closed_at=now,
        ),
        CaseUpdated(
            municipality="0363", occurred_at=now, case_id=case.case_id, changes=(), state=closed
        ),
    ]


async def _publish(iso: Isolation, events: Sequence[Event]) -> None:
    for topic in consumed_by("reporting"):
        if mine := [e for e in events if topic_for(e) is topic]:
            await publish(iso.kafka, iso.topic(topic.name), mine)
    for topic in consumed_by("reporting"):
        await wait_until_consumed(iso.kafka, iso.group("reporting"), iso.topic(topic.name))


@dataclass(frozen=True)
class Monitor:
    platform: Platform

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def open(self, page: Page, path: str, username: str = REGIONAL) -> Any:
        return sign_in(page, self.web, self.platform["idp-standin"].url, username, path)

    def api(self, period: str, **params: str) -> dict[str, Any]:
        """reporting's figures of a period as the regional analyst gets them."""
        response = httpx.get(
            f"{self.platform['reporting'].url}/v1/indicatorwaarden",
            params={"periode": period, **params},
            headers=staff_headers(self.platform, REGIONAL),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def monitor(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Monitor]:
    folder = tmp_path_factory.mktemp("web-monitor")
    users = [
        {"username": u, "password": u, "name": u, "roles": r, "gemeenten": g} for u, r, g in USERS
    ]
    (folder / "users.json").write_text(json.dumps(users))
    with isolated(endpoints) as iso:
        platform = platform_for(iso, folder / "logs", served=("0363", "0518"))
        platform["idp-standin"].env["VROEG_IDP_USERS"] = str(folder / "users.json")
        platform["web"].env["VROEG_REPORTING_URL"] = platform["reporting"].url
        try:
            platform.start(["idp-standin", "intake", "reporting", "web"])
            asyncio.run(_publish(iso, _facts()))
            yield Monitor(platform)
        finally:
            platform.stop()


def _dutch(number: Decimal) -> str:
    text = f"{number.normalize():,f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _expected(value: dict[str, Any], denominated: bool) -> str:
    """A figure of the API as the page must show it: a count, or a share with its parts."""
    numerator = Decimal(str(value["teller"]))
    if not denominated:
        return _dutch(numerator)
    if value["waarde"] is None:
        return "–"
    if value["indicator"] == "schuldbedrag_per_melding":
        amount = f"{Decimal(str(value['waarde'])):,.2f}"
        return "€ " + amount.replace(",", " ").replace(".", ",").replace(" ", ".")
    if value["indicator"] == "signalen_per_melding":
        return _dutch(Decimal(str(value["waarde"])).quantize(Decimal("0.1")))
    percent = _dutch((Decimal(str(value["waarde"])) * 100).quantize(Decimal("0.1")))
    return f"{percent}% ({_dutch(numerator)} van {_dutch(Decimal(str(value['noemer'])))})"


def assert_page_shows(page: Page, body: dict[str, Any]) -> int:
    """Every figure of the API's answer is on the page, in its indicator's table; how many.
    The region is a column only for several municipalities (of one, it is that one)."""
    shown_for = (
        {*body["gemeenten"], "regio"} if len(body["gemeenten"]) > 1 else set(body["gemeenten"])
    )
    values = [v for v in body["waarden"] if v["gemeente"] in shown_for]
    for value in values:
        cell = page.locator(
            f'#indicator-{value["indicator"]} tr[data-key="{value["uitsplitsing"] or ""}"] '
            f'td[data-gemeente="{value["gemeente"]}"]'
        )
        shown = cell.inner_text().strip()
        assert shown == _expected(value, value["noemer"] is not None), (value, shown)
    return len(values)


def test_an_analyst_sees_reportings_figures_per_period_region_and_municipality(
    monitor: Monitor, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    monitor.open(page, "/")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Monitor").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Monitor Vroegsignalering", level=1).is_visible()
    check_page(page, test, "monitor-regio")

    # Every figure equals reporting's, for both municipalities and their region.
    body = monitor.api(this_month())
    assert {v["gemeente"] for v in body["waarden"]} == {"0363", "0518", "regio"}
    assert assert_page_shows(page, body) > 20
    # The funnel, per municipality and for the region, as the facts make it.
    funnel = page.locator("#trechter-per-gemeente")
    steps = {
        step: [
            funnel.locator(f'tr[data-key="{step}"] td[data-gemeente="{m}"]').inner_text()
            for m in ("0363", "0518", "regio")
        ]
        for step in ("signalen", "meldingen", "meldingen_met_contact", "hulpacceptatie")
    }
    assert steps == {
        "signalen": ["3", "1", "4"],
        "meldingen": ["1", "1", "2"],
        "meldingen_met_contact": ["1", "0", "1"],
        "hulpacceptatie": ["1", "0", "1"],
    }
    # The charts are drawn here, with their figures as text.
    chart = page.get_by_role("img", name="Van signaal tot hulp")
    assert chart.count() == 1
    assert "Signalen 4; Meldingen 2; Contact met inwoner 1; Hulp geaccepteerd 1" in str(
        chart.locator("title").text_content()
    )
    assert page.locator("svg.grafiek rect").count() >= 4
    deadline = page.locator('#indicator-termijn_gehaald tr[data-key=""] td[data-gemeente="regio"]')
    assert deadline.inner_text() == "100% (1 van 1)"
    assert page.get_by_text("Eerste contact binnen de termijn", exact=True).first.is_visible()
    # Each indicator with its definition.
    signals = page.locator("#indicator-signalen")
    assert signals.get_by_role("heading", name="Aantal vroegsignalen").is_visible()
    assert "CAK-registraties tellen nooit mee" in signals.locator(".definitie").inner_text()

    # The CSV of the same period, with the analyst's token.
    link = page.get_by_role("link", name="downloaden (CSV")
    csv = page.request.get(monitor.web + str(link.get_attribute("href")))
    assert csv.status == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert f"{this_month()};Regio (alle gemeenten);Aantal vroegsignalen;;4;4;" in csv.text()

    # Another period through the picker: this year.
    year = this_month()[:4]
    page.get_by_label("Periode").select_option(year)
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_url(f"{monitor.web}/monitor?periode={year}")
    assert assert_page_shows(page, monitor.api(year)) > 20
    check_page(page, test, "monitor-jaar")

    # One municipality chosen: its figures only, no region.
    page.get_by_label("Gemeente").select_option("0518")
    page.get_by_role("button", name="Kiezen").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{monitor.web}/monitor")
    assert page.locator('td[data-gemeente="regio"]').count() == 0
    assert page.locator('td[data-gemeente="0363"]').count() == 0
    assert assert_page_shows(page, monitor.api(this_month(), gemeente="0518")) > 5
    check_page(page, test, "monitor-0518")


def test_other_roles_get_the_403_page_and_a_bad_period_is_refused(
    monitor: Monitor, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    monitor.open(page, "/", username="vroegsignaleerder-0363")
    assert page.get_by_role("link", name="Monitor").count() == 0  # not offered …
    for path in ("/monitor", f"/monitor/csv?periode={this_month()}"):
        shown = page.goto(monitor.web + path)  # … and refused
        assert shown is not None
        assert shown.status == 403, path
        assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    check_page(page, request.node.name, "monitor-geen-toegang")

    analyst = new_page()
    monitor.open(analyst, "/monitor")
    for period in ("2026-13", "oktober", "2026-K5"):
        refused = analyst.goto(f"{monitor.web}/monitor?periode={period}")
        assert refused is not None
        assert refused.status == 400, period
        assert analyst.get_by_role("heading", level=1).inner_text() == "Niet mogelijk"
