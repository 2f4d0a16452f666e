"""Beheer → Monitorbeleid in a real browser (issue 13): an operator reads and changes the weeks
without a signal after which a creditor counts as gone silent, through reporting's
`/v1/beheer/gemeenten/{g}/monitorbeleid` with their own token; saving makes reporting serve the
new version; reporting's refusal (400) is told beside the field and saves nothing; other roles
get the no-access page, and a form without the CSRF token changes nothing.

reporting, the web app and the identity provider run as processes. Every page is screenshot
and checked with axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.support.browser import check_page, csrf_token, sign_in
from tests.support.fixtures import isolated, platform_for, staff_headers
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform

ADMIN = "admin-0363"


@dataclass(frozen=True)
class Monitor:
    platform: Platform

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def open(self, page: Page, path: str, username: str = ADMIN) -> Any:
        return sign_in(page, self.web, self.platform["idp-standin"].url, username, path)

    def policy(self) -> dict[str, Any]:
        """0363's monitor policy as reporting serves it."""
        response = httpx.get(
            f"{self.platform['reporting'].url}/v1/beheer/gemeenten/0363/monitorbeleid",
            headers=staff_headers(self.platform, ADMIN),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def monitor(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Monitor]:
    with isolated(endpoints) as iso:
        platform = platform_for(iso, tmp_path_factory.mktemp("web-monitorbeleid") / "logs")
        try:
            platform.start(["idp-standin", "intake", "reporting", "web"])
            yield Monitor(platform)
        finally:
            platform.stop()


def save(page: Page, weeks: str, expected_status: int) -> None:
    page.get_by_label("Stilgevallen na (weken)").fill(weeks)
    with page.expect_navigation() as answered:
        page.get_by_role("button", name="Monitorbeleid opslaan").click()
    assert answered.value is not None
    assert answered.value.status == expected_status, page.get_by_role("main").inner_text()


def test_an_admin_changes_the_monitor_policy_and_reporting_serves_it(
    monitor: Monitor, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    assert monitor.policy() == {"municipality": "0363", "version": 0, "silentWeeks": 8}
    page = new_page()
    monitor.open(page, "/beheer")
    page.get_by_role("link", name="Monitorbeleid").click()
    page.wait_for_load_state()
    assert page.get_by_text("versie 0, het landelijke standaardbeleid").is_visible()
    weeks = page.get_by_label("Stilgevallen na (weken)")
    assert weeks.input_value() == "8"
    check_page(page, test, "monitorbeleid")

    save(page, "12", 200)
    assert page.get_by_role("status").inner_text() == "Versie 1 is opgeslagen en geldt vanaf nu."
    assert monitor.policy() == {"municipality": "0363", "version": 1, "silentWeeks": 12}
    assert weeks.input_value() == "12"
    check_page(page, test, "monitorbeleid-opgeslagen")

    # What reporting refuses (0, past a year, not a number, nothing): told beside the field,
    # as typed, and no new version.
    for typed in ("0", "53", "acht", ""):
        save(page, typed, 400)
        assert "van 1 tot en met 52" in page.get_by_role("alert").inner_text(), typed
        assert weeks.get_attribute("aria-invalid") == "true"
        assert "monitorbeleid-fouten" in (weeks.get_attribute("aria-describedby") or "")
        assert weeks.input_value() == typed
    check_page(page, test, "monitorbeleid-geweigerd")
    assert monitor.policy()["version"] == 1


def test_the_monitor_policy_form_needs_an_admin_and_the_csrf_token(
    monitor: Monitor, new_page: Any, request: pytest.FixtureRequest
) -> None:
    before = monitor.policy()
    page = new_page()
    monitor.open(page, "/beheer/monitorbeleid")
    for forged in ({"weken": "3"}, {"weken": "3", "csrf_token": "niet-het-token"}):
        refused = page.request.post(
            f"{monitor.web}/beheer/monitorbeleid", form=forged, max_redirects=0
        )
        assert refused.status == 403
        assert "Formulier geweigerd" in refused.text()
    assert monitor.policy() == before

    analyst = new_page()
    shown = monitor.open(analyst, "/beheer/monitorbeleid", username="analyst-0363")
    assert shown is not None
    assert shown.status == 403
    assert analyst.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    posted = analyst.request.post(
        f"{monitor.web}/beheer/monitorbeleid",
        form={"csrf_token": csrf_token(analyst), "weken": "3"},
        max_redirects=0,
    )
    assert posted.status == 403
    assert monitor.policy() == before
    check_page(analyst, request.node.name, "monitorbeleid-geen-toegang")
