"""The SHV pages in a real browser: a debt-help professional works followup's queue of signals
of residents known to debt help (R-BRP-4), opens one and registers what was done and the
result; followup's rules refuse in Dutch and nothing changes; other roles and municipalities
see nothing (issue 13).

followup, the web app and the identity provider run as processes; the signals reach the queue
as in production, routed to debt help by brp-check. Every page is screenshot and checked with
axe-core."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import check_page, csrf_token, run_beside, sign_in
from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, isolated, platform_for, staff_headers
from tests.support.kafka import publish
from tests.support.signals import routed_signal
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform
from vroeg.shared.events import DebtHelpStanding, Route, SignalRouted
from vroeg.shared.topics import ROUTE_TOPICS

PROFESSIONAL = "shv-0363"


@dataclass(frozen=True)
class Queue:
    """The running platform and the signals in followup's SHV queue."""

    platform: Platform
    iso: Isolation
    active: str  # 0363, receives debt help now: handled in the browser
    recent: str  # 0363, a final decision months ago: BEKEND_BIJ_SHV is refused
    to_forge: str  # 0363: a forged form must leave it alone
    in_0518: str

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def open(self, page: Page, path: str, username: str = PROFESSIONAL) -> Any:
        return sign_in(page, self.web, self.platform["idp-standin"].url, username, path)

    def queued(self) -> list[str]:
        """The open items as followup's API lists them to the professional."""
        response = httpx.get(
            f"{self.platform['followup'].url}/v1/shv",
            headers=staff_headers(self.platform, PROFESSIONAL),
        )
        assert response.status_code == 200, response.text
        return [i["signalId"] for i in response.json()["items"]]

    def handling(self, signal_id: str) -> dict[str, Any]:
        """The item's handling as followup stored it."""
        sql = (
            "SELECT handled_by, action_taken, outcome_category, outcome_detail "
            "FROM followup.shv_items WHERE signal_id = $1::uuid"
        )
        [row] = run_beside(fetch(self.iso.database_url, sql, signal_id))
        return dict(row)


def debt_help(standing: DebtHelpStanding, days_ago: int, municipality: str) -> SignalRouted:
    """A signal brp-check routed to debt help, received `days_ago` days ago."""
    event = routed_signal(route=Route.DEBT_HELP)
    signal = event.signal.model_copy(
        update={"signal_id": uuid4(), "received_at": datetime.now(UTC) - timedelta(days=days_ago)}
    )
    return event.model_copy(
        update={
            "municipality": municipality,
            "signal": signal,
            "bsn": "999993653",
            "debt_help": standing,
        }
    )


async def route_to_debt_help(iso: Isolation, events: list[SignalRouted]) -> None:
    await publish(iso.kafka, iso.topic(ROUTE_TOPICS[Route.DEBT_HELP].name), events)
    count = "SELECT count(*) AS n FROM followup.shv_items"
    await eventually(lambda: fetch(iso.database_url, count), lambda r: r[0]["n"] == len(events))


@pytest.fixture(scope="module")
def queue(endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queue]:
    """One platform for the module's tests; each test works on its own signals."""
    with isolated(endpoints) as iso:
        platform = platform_for(iso, tmp_path_factory.mktemp("web-shv") / "logs")
        try:
            platform.start(["idp-standin", "intake", "followup", "web"])
            events = [
                debt_help(DebtHelpStanding.ACTIVE, 6, "0363"),
                debt_help(DebtHelpStanding.RECENT_DECISION, 4, "0363"),
                debt_help(DebtHelpStanding.ACTIVE, 2, "0363"),
                debt_help(DebtHelpStanding.ACTIVE, 3, "0518"),
            ]
            asyncio.run(route_to_debt_help(iso, events))
            yield Queue(platform, iso, *(str(e.signal.signal_id) for e in events))
        finally:
            platform.stop()


def test_a_professional_handles_a_signal_and_it_leaves_followups_queue(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    queue.open(page, "/")
    menu = page.get_by_role("navigation", name="Hoofdmenu")
    assert [
        menu.get_by_role("link").nth(i).inner_text()
        for i in range(menu.get_by_role("link").count())
    ] == ["SHV"]
    check_page(page, test, "start-shv")
    menu.get_by_role("link", name="SHV").click()
    page.wait_for_url(f"{queue.web}/shv")
    check_page(page, test, "shv-lijst")

    # The municipality's open signals, oldest first, with who each is about and the standing.
    rows = page.locator("tbody tr")
    links = [str(rows.nth(i).locator("a").get_attribute("href")) for i in range(rows.count())]
    assert links == [f"/shv/{queue.active}", f"/shv/{queue.recent}", f"/shv/{queue.to_forge}"]
    assert rows.first.get_by_text("Krijgt nu schuldhulp").is_visible()
    assert rows.nth(1).get_by_text("Eindbesluit minder dan 6 maanden geleden").is_visible()
    assert rows.first.get_by_text("6 dagen").is_visible()
    assert rows.first.get_by_text("Jansen").is_visible()

    page.locator(f'a[href="/shv/{queue.active}"]').click()
    expect(page.get_by_role("heading", name="Signaal afhandelen", level=1)).to_be_visible()
    assert page.get_by_text("999993653").is_visible()
    check_page(page, test, "shv-signaal")
    page.get_by_label("Wat hebt u gedaan?").fill("Gebeld met de schuldhulpverlener van de inwoner.")
    page.get_by_label("Ik heb de inwoner bereikt").check()
    page.get_by_role("group", name="Uitkomst").get_by_label("Bekend bij schuldhulp").check()
    page.get_by_role("button", name="Afhandeling vastleggen").click()
    page.wait_for_load_state()
    assert "De afhandeling is vastgelegd" in page.get_by_role("status").inner_text()
    assert page.locator(f'a[href="/shv/{queue.active}"]').count() == 0
    check_page(page, test, "shv-afgehandeld")

    # followup: out of the queue, handled by this professional with what was done.
    assert queue.active not in queue.queued()
    assert queue.handling(queue.active) == {
        "handled_by": PROFESSIONAL,
        "action_taken": "Gebeld met de schuldhulpverlener van de inwoner.",
        "outcome_category": "BEKEND_BIJ_SHV",
        "outcome_detail": "BEKEND_BIJ_SHV",
    }

    # Handled twice (a second tab, a form sent again): told so on the queue, nothing changes.
    again = page.request.post(
        f"{queue.web}/shv/{queue.active}/afhandeling",
        form={"csrf_token": csrf_token(page), "actie": "Nog eens.", "categorie": "NIET_BEREIKT"},
    )
    assert again.status == 409
    assert "al afgehandeld" in again.text()
    assert queue.handling(queue.active)["action_taken"].startswith("Gebeld")
    # … and it is no longer there to open.
    gone = page.goto(f"{queue.web}/shv/{queue.active}")
    assert gone is not None
    assert gone.status == 404


def test_a_refused_handling_is_told_in_dutch_keeps_the_input_and_changes_nothing(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    queue.open(page, f"/shv/{queue.recent}")
    # A final decision months ago: no debt help now, so not BEKEND_BIJ_SHV (R-BRP-4 b).
    page.get_by_label("Wat hebt u gedaan?").fill("Brief gestuurd.")
    page.get_by_role("group", name="Uitkomst").get_by_label("Bekend bij schuldhulp").check()
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Afhandeling vastleggen").click()
    assert refused.value is not None
    assert refused.value.status == 422
    alert = page.get_by_role("alert").inner_text()
    assert "kan alleen als de inwoner nu schuldhulp krijgt" in alert
    assert "R-BRP-4" not in alert
    assert page.get_by_label("Wat hebt u gedaan?").input_value() == "Brief gestuurd."
    check_page(page, request.node.name, "shv-geweigerd")

    # Nothing written: the field to fill is named and marked.
    page.get_by_label("Wat hebt u gedaan?").fill("")
    page.get_by_role("group", name="Uitkomst").get_by_label("Niet bereikt").check()
    page.get_by_label("Nadere uitkomst").select_option("GEEN_CONTACT")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Afhandeling vastleggen").click()
    assert refused.value is not None
    assert refused.value.status == 400
    assert "Beschrijf wat u hebt gedaan" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Wat hebt u gedaan?").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Nadere uitkomst").input_value() == "GEEN_CONTACT"
    check_page(page, request.node.name, "shv-onvolledig")
    assert queue.recent in queue.queued()
    assert queue.handling(queue.recent)["handled_by"] is None


def test_other_roles_and_municipalities_see_nothing_and_a_forged_form_changes_nothing(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    queue.open(page, "/", username="vroegsignaleerder-0363")
    assert page.get_by_role("link", name="SHV").count() == 0  # not offered …
    shown = page.goto(f"{queue.web}/shv")  # … and refused by followup
    assert shown is not None
    assert shown.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"

    professional = new_page()
    queue.open(professional, "/shv")
    other = professional.goto(f"{queue.web}/shv/{queue.in_0518}")
    assert other is not None
    assert other.status == 404
    assert professional.get_by_role("heading", level=1).inner_text() == "Niet gevonden"
    check_page(professional, request.node.name, "shv-niet-gevonden")

    # The browser's own session cookie goes along, as with a forged cross-site form.
    url = f"{queue.web}/shv/{queue.to_forge}/afhandeling"
    fields = {"actie": "Vervalst.", "categorie": "BEKEND_BIJ_SHV"}
    for forged in (fields, {**fields, "csrf_token": "niet-het-token"}):
        refused = professional.request.post(url, form=forged, max_redirects=0)
        assert refused.status == 403
        assert "Formulier geweigerd" in refused.text()
    assert queue.to_forge in queue.queued()
    assert queue.handling(queue.to_forge)["handled_by"] is None
