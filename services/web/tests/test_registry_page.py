"""The tenant registry's Beheer page in a real browser (domain §10, issues 11 and 13): an
operator enters a municipality through the page, intake's `/v1/beheer/gemeenten` then has it and
serves it at once (a creditor's signal for it is taken, no restart); a municipality served
elsewhere is entered with its key, which the page never shows back and keeps when the entry is
changed without it; intake's refusals (each naming its field) are told
in Dutch beside the form and change nothing; other roles get the no-access page, and a form
without the CSRF token changes nothing.

intake, the web app and the identity provider run as processes. Every page is screenshot and
checked with axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Page

from tests.support.browser import check_page, csrf_token, run_beside, sign_in
from tests.support.fixtures import Isolation, isolated, platform_for, staff_headers
from tests.support.signals import jansen_body
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform
from vroeg.deploy.provisioning import register_creditor

# An operator of the regional centre (0363 and 0518): the deployment's operator while this
# deployment serves those two at most.
CENTRE = "admin-ssc"
# The shape of a key another deployment gives this one (secret: never shown back).
PEER_KEY = "vroeg_0123456789abcdef.Zm9yd2FyZGluZy1rZXktZm9yLWEtdGVzdC0xMjM0NTY"


@dataclass(frozen=True)
class Registry:
    platform: Platform
    iso: Isolation

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def open(self, page: Page, path: str, username: str = CENTRE) -> Any:
        return sign_in(page, self.web, self.platform["idp-standin"].url, username, path)

    def entries(self) -> dict[str, dict[str, Any]]:
        """The registry as intake's API serves it, by municipality."""
        response = httpx.get(
            f"{self.platform['intake'].url}/v1/beheer/gemeenten",
            headers=staff_headers(self.platform, CENTRE),
        )
        assert response.status_code == 200, response.text
        return {e["municipality"]: e for e in response.json()}

    def deliver(self, api_key: str, municipality: str) -> httpx.Response:
        """A creditor's signal for `municipality` to intake."""
        body = {**jansen_body(f"ref-{uuid4().hex[:8]}"), "municipality": municipality}
        return httpx.post(
            f"{self.platform['intake'].url}/v1/signalen", headers={"X-Api-Key": api_key}, json=body
        )


@pytest.fixture(scope="module")
def registry(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    with isolated(endpoints) as iso:
        # intake serves 0363 when it starts.
        platform = platform_for(iso, tmp_path_factory.mktemp("web-registry") / "logs")
        try:
            platform.start(["idp-standin", "intake", "web"])
            yield Registry(platform, iso)
        finally:
            platform.stop()


def status(page: Page) -> str:
    return page.get_by_role("status").inner_text()


def save(page: Page, expected_status: int) -> None:
    """Submit the entry form and wait for the page that answers it."""
    with page.expect_navigation() as answered:
        page.get_by_role("button", name="Gemeente opslaan").click()
    assert answered.value is not None
    assert answered.value.status == expected_status, page.get_by_role("main").inner_text()


def test_an_operator_enters_a_municipality_that_intake_then_serves_without_a_restart(
    registry: Registry, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    intake = registry.platform["intake"]
    pid = intake.popen.pid if intake.popen else None
    # A creditor with agreements for both; 0518 is not served yet, so its signals are refused.
    api_key = run_beside(_creditor(intake.url, ("0363", "0518")))
    refused = registry.deliver(api_key, "0518")
    assert (refused.status_code, refused.json()["code"]) == (422, "unknown-municipality")

    page = new_page()
    registry.open(page, "/beheer")
    page.get_by_role("link", name="Gemeenten").click()
    page.wait_for_load_state()
    table = page.get_by_role("table")
    assert table.get_by_role("rowheader").all_inner_texts() == ["Amsterdam (0363)"]
    check_page(page, test, "gemeenten")

    form = page.get_by_role("region", name="Gemeente opnemen of wijzigen")
    form.get_by_label("Gemeentecode").fill("0518")
    form.get_by_label("Deze omgeving", exact=False).check()
    save(page, 200)
    assert status(page) == "De gemeente is opgeslagen in het register. Dit geldt meteen."
    assert registry.entries()["0518"]["servedHere"] is True
    assert table.get_by_role("rowheader").all_inner_texts() == [
        "Amsterdam (0363)",
        "'s-Gravenhage (0518)",
    ]
    # Served at once, by the same intake process.
    assert registry.deliver(api_key, "0518").status_code == 201
    assert intake.popen is not None
    assert intake.popen.pid == pid, "no restart"

    # A municipality served elsewhere, with the key each municipality served here presents
    # there: set, and never shown back.
    form.get_by_label("Gemeentecode").fill("0599")
    form.get_by_label("Een andere vroeg-omgeving", exact=False).check()
    form.get_by_label("Adres intake").fill("http://127.0.0.1:1/")
    form.get_by_label("Sleutel van Amsterdam (0363)").fill(PEER_KEY)
    save(page, 200)
    entry = registry.entries()["0599"]
    assert (entry["servedHere"], entry["intakeUrl"], entry["apiKeysFor"]) == (
        False,
        "http://127.0.0.1:1/",
        ["0363"],
    )
    row = table.get_by_role("row").filter(has_text="Rotterdam (0599)")
    assert "Een andere omgeving" in row.inner_text()
    assert "Amsterdam (0363)" in row.inner_text()  # the key set, by whom
    assert PEER_KEY.split(".")[1] not in page.content()

    # Changing it: the form shows the entry (never its key); the new address is saved, and the
    # key, not typed again, is kept.
    row.get_by_role("link", name="Wijzigen").click()
    page.wait_for_load_state()
    changing = page.get_by_role("region", name="Rotterdam (0599) wijzigen")
    assert changing.get_by_label("Gemeentecode").input_value() == "0599"
    assert changing.get_by_label("Adres intake").input_value() == "http://127.0.0.1:1/"
    assert changing.get_by_label("Sleutel van Amsterdam (0363)").input_value() == ""
    check_page(page, test, "gemeente-wijzigen")
    assert "blijven de ingestelde sleutels staan" in changing.inner_text()
    changing.get_by_label("Adres intake").fill("http://127.0.0.1:2/")
    save(page, 200)
    moved = registry.entries()["0599"]
    assert (moved["intakeUrl"], moved["apiKeysFor"]) == ("http://127.0.0.1:2/", ["0363"])

    # Removed: gone from intake's registry and from the page.
    removal = page.get_by_role("region", name="Gemeente verwijderen")
    removal.get_by_label("Gemeente").select_option("0599")
    removal.get_by_role("button", name="Gemeente verwijderen").click()
    page.wait_for_load_state()
    assert status(page) == "De gemeente is uit het register verwijderd. Dit geldt meteen."
    assert "0599" not in registry.entries()
    assert table.get_by_role("row").filter(has_text="0599").count() == 0


def test_intakes_refusals_are_told_beside_the_form_and_change_nothing(
    registry: Registry, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    before = registry.entries()
    page = new_page()
    registry.open(page, "/beheer/gemeenten", username="admin-0363")
    form = page.get_by_role("region", name="Gemeente opnemen of wijzigen")

    # Where another municipality is served is for an operator of every municipality served
    # here; Amsterdam's alone is not (intake's 403, told beside the form, not a no-access page).
    if "0518" not in before:
        before = _served_by_the_centre(registry, "0518")
    form.get_by_label("Gemeentecode").fill("0344")
    form.get_by_label("Een andere vroeg-omgeving", exact=False).check()
    form.get_by_label("Adres intake").fill("http://127.0.0.1:1/")
    form.get_by_label("Sleutel van Amsterdam (0363)").fill(PEER_KEY)
    save(page, 403)
    alert = page.get_by_role("alert").inner_text()
    assert "U beheert deze gemeente niet" in alert
    assert page.get_by_label("Gemeentecode").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Adres intake").input_value() == "http://127.0.0.1:1/"  # as typed
    assert PEER_KEY.split(".")[1] not in page.content()  # … but never the key
    check_page(page, test, "gemeente-geweigerd")

    # A CA certificate that is none: intake's 400, the field marked.
    form.get_by_label("Gemeentecode").fill("0363")
    form.get_by_label("Deze omgeving", exact=False).check()
    form.get_by_label("CA-certificaat").fill("-----BEGIN CERTIFICATE-----\nniet echt\n")
    save(page, 400)
    assert "geen geldig PEM-certificaat" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("CA-certificaat").get_attribute("aria-invalid") == "true"

    # Elsewhere without an address, and a code that is none: refused before intake is asked.
    for code, served, told, field in [
        ("0344", "Een andere vroeg-omgeving", "adres van de intake", "Adres intake"),
        ("12ab", "Deze omgeving", "vier cijfers", "Gemeentecode"),
    ]:
        form.get_by_label("Gemeentecode").fill(code)
        form.get_by_label(served, exact=False).check()
        form.get_by_label("Adres intake").fill("")
        form.get_by_label("CA-certificaat").fill("")
        save(page, 400)
        assert told in page.get_by_role("alert").inner_text()
        assert page.get_by_label(field).get_attribute("aria-invalid") == "true"
    assert registry.entries() == before


def test_a_non_admin_gets_the_no_access_page_and_their_form_changes_nothing(
    registry: Registry, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    registry.open(page, "/", username="vroegsignaleerder-0363")
    shown = page.goto(registry.web + "/beheer/gemeenten")
    assert shown is not None
    assert shown.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    check_page(page, request.node.name, "gemeenten-geen-toegang")
    before = registry.entries()
    token = csrf_token(page)  # their own session's valid token
    for path, form in [
        ("/beheer/gemeenten", {"gemeente": "0599", "bediend": "hier"}),
        ("/beheer/gemeenten/verwijderen", {"gemeente": "0363"}),
    ]:
        posted = page.request.post(
            registry.web + path, form={**form, "csrf_token": token}, max_redirects=0
        )
        assert posted.status == 403, path
    assert registry.entries() == before


def test_a_registry_form_posted_without_the_csrf_token_changes_nothing(
    registry: Registry, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    registry.open(page, "/beheer/gemeenten")
    before = registry.entries()
    forms = {
        "/beheer/gemeenten": {"gemeente": "0599", "bediend": "hier"},
        "/beheer/gemeenten/verwijderen": {"gemeente": "0363"},
    }
    # The browser's own session cookie goes along, as it would with a forged cross-site form.
    for path, fields in forms.items():
        for forged in (fields, {**fields, "csrf_token": "niet-het-token"}):
            refused = page.request.post(registry.web + path, form=forged, max_redirects=0)
            assert refused.status == 403, (path, refused.text())
            assert "Formulier geweigerd" in refused.text()
    assert registry.entries() == before
    assert "0363" in before


async def _creditor(intake_url: str, municipalities: tuple[str, ...]) -> str:
    async with httpx.AsyncClient(base_url=intake_url) as http:
        return await register_creditor(
            http, f"woon-{uuid4().hex[:6]}", "HUUR", municipalities=municipalities
        )


def _served_by_the_centre(registry: Registry, municipality: str) -> dict[str, dict[str, Any]]:
    """Enter `municipality` as served here through intake's API (the test runs alone); the
    registry after."""
    response = httpx.put(
        f"{registry.platform['intake'].url}/v1/beheer/gemeenten/{municipality}",
        json={"servedHere": True},
        headers=staff_headers(registry.platform, CENTRE),
    )
    assert response.status_code == 200, response.text
    return registry.entries()
