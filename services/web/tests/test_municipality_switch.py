"""The municipality switch of a regional centre's staff (issue 13) offers the municipalities
they work for that this deployment's tenant registry serves: one in their claim but not served
here is neither offered nor chosen; one the operator enters in the registry is offered at once;
without the registry (intake not answering) no one signs in.

intake (serving 0363 and 0518), the web app and the identity provider run as processes. Every
page is screenshot and checked with axe-core."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.support.browser import check_page, csrf_token, sign_in
from tests.support.fixtures import PlatformFactory, isolated, platform_for, staff_headers
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform
from vroeg.standins.idp.app import User

# Staff of a regional centre whose claim names a municipality this deployment does not serve.
CLAIM = ["0363", "0518", "0599"]
REVIEWER, ADMIN = "reviewer-regio", "admin-regio"
ACCOUNTS = [
    User(username=u, password=u, name=u, roles=[role], gemeenten=CLAIM)
    for u, role in ((REVIEWER, "reviewer"), (ADMIN, "admin"))
]
SERVED = ("0363", "0518")


@dataclass(frozen=True)
class Regio:
    platform: Platform

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def open(self, page: Page, path: str, username: str) -> Any:
        return sign_in(page, self.web, self.platform["idp-standin"].url, username, path)


@pytest.fixture(scope="module")
def regio(endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Regio]:
    users = tmp_path_factory.mktemp("web-switch-idp") / "users.json"
    users.write_text(json.dumps([u.model_dump() for u in ACCOUNTS]))
    with isolated(endpoints) as iso:
        platform = platform_for(
            iso,
            tmp_path_factory.mktemp("web-switch") / "logs",
            env={"VROEG_IDP_USERS": str(users)},
            served=SERVED,
        )
        try:
            platform.start(["idp-standin", "intake", "web"])
            yield Regio(platform)
        finally:
            platform.stop()


def offered(page: Page) -> list[str]:
    """The municipality switch's options (in the page's header)."""
    switch = page.get_by_role("banner").get_by_label("Gemeente", exact=True)
    return switch.locator("option").all_inner_texts()


def test_a_claimed_municipality_not_served_here_is_not_offered_nor_chosen(
    regio: Regio, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    regio.open(page, "/", REVIEWER)
    assert offered(page) == ["Alle gemeenten", "Amsterdam (0363)", "'s-Gravenhage (0518)"]
    assert "0599" not in page.get_by_role("main").inner_text()
    check_page(page, request.node.name, "start-regio")

    # Chosen all the same (a form of their own, with their token): refused, nothing changes.
    chosen = page.request.post(
        f"{regio.web}/gemeente",
        form={"csrf_token": csrf_token(page), "gemeente": "0599", "terug": "/"},
        max_redirects=0,
    )
    assert chosen.status == 403
    assert "U werkt niet voor deze gemeente." in chosen.text()
    page.reload()
    selected = page.get_by_label("Gemeente", exact=True).locator("option:checked")
    assert selected.inner_text() == "Alle gemeenten"

    # A served one is chosen as before.
    page.get_by_label("Gemeente", exact=True).select_option("0518")
    page.get_by_role("button", name="Kiezen").click()
    page.wait_for_load_state()
    assert selected.inner_text() == "'s-Gravenhage (0518)"


def test_a_municipality_the_operator_enters_in_the_registry_is_offered_at_once(
    regio: Regio, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    regio.open(page, "/beheer/gemeenten", ADMIN)
    assert "Rotterdam (0599)" not in offered(page)
    form = page.get_by_role("region", name="Gemeente opnemen of wijzigen")
    form.get_by_label("Gemeentecode").fill("0599")
    form.get_by_label("Deze omgeving", exact=False).check()
    with page.expect_navigation() as answered:
        page.get_by_role("button", name="Gemeente opslaan").click()
    assert answered.value is not None
    assert answered.value.status == 200, page.get_by_role("main").inner_text()
    assert offered(page) == [
        "Alle gemeenten",
        "Amsterdam (0363)",
        "'s-Gravenhage (0518)",
        "Rotterdam (0599)",
    ]
    check_page(page, request.node.name, "gemeente-opgenomen")
    # intake serves it to the other staff of the centre too (their next sign-in).
    served = httpx.get(
        f"{regio.platform['intake'].url}/v1/gemeenten",
        headers=staff_headers(regio.platform, REVIEWER),
    )
    assert served.json()["municipalities"] == CLAIM


def test_without_the_registry_no_one_signs_in(
    make_platform: PlatformFactory, tmp_path: Path, new_page: Any, request: pytest.FixtureRequest
) -> None:
    """Which municipalities to offer is not known when intake does not answer: sign-in stops
    there (a 503 page) rather than offer the whole claim."""
    users = tmp_path / "users.json"
    users.write_text(json.dumps([u.model_dump() for u in ACCOUNTS]))
    platform = make_platform(env={"VROEG_IDP_USERS": str(users)})
    platform.start(["idp-standin", "web"])  # no intake
    page = new_page()
    page.goto(platform["web"].url + "/uitval")
    page.get_by_label("Gebruikersnaam").fill(REVIEWER)
    page.get_by_label("Wachtwoord").fill(REVIEWER)
    with page.expect_navigation(url=f"{platform['web'].url}/aanmelden/terug**") as answered:
        page.get_by_role("button", name="Aanmelden").click()
    assert answered.value is not None
    assert answered.value.status == 503
    main = page.get_by_role("main").inner_text()
    assert "het register van gemeenten is niet bereikbaar" in main
    check_page(page, request.node.name, "aanmelden-zonder-register")
    page.goto(platform["web"].url + "/")
    assert page.get_by_role("link", name="Aanmelden").is_visible()  # no session
