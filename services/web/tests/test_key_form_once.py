"""Issuing a key is a one-time form (issue 13): the browser posting the same form again — a
reload of the page with the new key, a second click — issues no second key at intake and does
not show the key again (it is shown once); a fresh form issues a fresh key, and a form without
its one-time token (a page from before) issues none.

intake, the web app and the identity provider run as processes. Every page is screenshot and
checked with axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.support.browser import check_page, csrf_token, run_beside, sign_in
from tests.support.db import fetch
from tests.support.fixtures import Isolation, isolated, platform_for, staff_headers
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform

ADMIN = "admin-0363"
CREDITOR = "woonbron"


@dataclass(frozen=True)
class Keys:
    platform: Platform
    iso: Isolation

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def issued(self) -> list[str]:
        """The ids of the keys intake holds for the creditor."""
        query = "SELECT key_id FROM intake.creditor_keys WHERE holder_id = $1 ORDER BY issued_at"
        return [r["key_id"] for r in run_beside(fetch(self.iso.database_url, query, CREDITOR))]


@pytest.fixture(scope="module")
def keys(endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Keys]:
    with isolated(endpoints) as iso:
        platform = platform_for(iso, tmp_path_factory.mktemp("web-key-once") / "logs")
        try:
            platform.start(["idp-standin", "intake", "web"])
            created = httpx.post(
                f"{platform['intake'].url}/v1/beheer/vlps",
                headers=staff_headers(platform, ADMIN),
                json={"id": CREDITOR, "name": "Woonbron", "type": "HUUR"},
            )
            assert created.status_code == 201, created.text
            yield Keys(platform, iso)
        finally:
            platform.stop()


def issue(page: Page) -> dict[str, str]:
    """Fill the key form for the creditor and send it; the fields it sent."""
    form = page.get_by_role("region", name="Sleutel uitgeven")
    form.get_by_label("Schuldeiser-id").fill(CREDITOR)
    sent: dict[str, str] = form.locator("form").evaluate("f => Object.fromEntries(new FormData(f))")
    with page.expect_navigation() as answered:
        form.get_by_role("button", name="Sleutel uitgeven").click()
    assert answered.value is not None
    assert answered.value.status == 200, page.get_by_role("main").inner_text()
    return sent


def test_the_same_key_form_posted_again_issues_no_second_key(
    keys: Keys, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    sign_in(page, keys.web, keys.platform["idp-standin"].url, ADMIN, "/beheer/schuldeisers")
    sent = issue(page)
    api_key = page.locator("#api-sleutel").inner_text()
    [key_id] = keys.issued()
    assert api_key.startswith(f"vroeg_{key_id}.")

    # The browser posts the form again: reloading the answer, and the same fields once more
    # (a second click). The first outcome is told; the key is not shown again.
    page.reload()
    again = page.request.post(f"{keys.web}/beheer/sleutels", form=sent, max_redirects=0)
    for answer in (page.content(), again.text()):
        assert "Dit formulier is al verstuurd" in answer
        assert key_id in answer
        assert api_key not in answer
    assert again.status == 200
    assert keys.issued() == [key_id]
    assert page.get_by_role("heading", level=1).inner_text() == "Sleutel al uitgegeven"
    check_page(page, test, "sleutel-al-uitgegeven")

    # A fresh form is a new request for a key.
    page.goto(f"{keys.web}/beheer/schuldeisers")
    issue(page)
    assert len(keys.issued()) == 2
    assert page.locator("#api-sleutel").inner_text() != api_key

    # A form without its one-time token (a page from before this rule) issues nothing.
    stale = {k: v for k, v in sent.items() if k != "eenmalig"} | {"csrf_token": csrf_token(page)}
    refused = page.request.post(f"{keys.web}/beheer/sleutels", form=stale, max_redirects=0)
    assert refused.status == 400
    assert "Dit formulier is verlopen" in refused.text()
    assert len(keys.issued()) == 2


def test_a_refused_key_form_may_be_sent_again(keys: Keys, new_page: Any) -> None:
    """A first post intake refuses issued nothing: posting it again is a new attempt."""
    page = new_page()
    sign_in(page, keys.web, keys.platform["idp-standin"].url, ADMIN, "/beheer/schuldeisers")
    before = keys.issued()
    form = page.get_by_role("region", name="Sleutel uitgeven")
    form.get_by_label("Schuldeiser-id").fill("onbekend")
    sent: dict[str, str] = form.locator("form").evaluate("f => Object.fromEntries(new FormData(f))")
    for _ in range(2):
        posted = page.request.post(f"{keys.web}/beheer/sleutels", form=sent, max_redirects=0)
        assert posted.status == 404
        assert "Er is geen schuldeiser met dit id" in posted.text()
    sent["schuldeiser"] = CREDITOR
    posted = page.request.post(f"{keys.web}/beheer/sleutels", form=sent, max_redirects=0)
    assert posted.status == 200
    assert "vroeg_" in posted.text()
    assert len(keys.issued()) == len(before) + 1
