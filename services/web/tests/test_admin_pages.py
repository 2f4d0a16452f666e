"""The Beheer pages in a real browser: an operator (role admin) registers a creditor, records
its agreement, issues it a key (shown once) that then works against intake, and revokes it so
it stops; saves the intake policy, the priority policy and the contact plan, each a new
version in the service that owns it; a refused form is told in Dutch and changes nothing;
other roles get the no-access page, and a form without the CSRF token changes nothing (issue
13).

intake, the matcher, followup, the web app and the identity provider run as processes. Every
page is screenshot and checked with axe-core."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Page

from tests.support.browser import check_page, csrf_token, run_beside, sign_in
from tests.support.db import fetch
from tests.support.fixtures import Isolation, creditor_key, isolated, platform_for, staff_headers
from tests.support.signals import jansen_body
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform
from vroeg.standins.idp.app import DEMO_USERS, User

ADMIN = "admin-0363"
POLICIES = {  # the owner of each policy page, and its API under /v1
    "intakebeleid": ("intake", "beleid"),
    "prioriteit": ("matcher", "prioriteit"),
    "contactplan": ("followup", "contactplan"),
}
# An operator of a regional centre, for both municipalities.
CENTRE = User(
    username="admin-ssc",
    password="admin-ssc",
    name="B. Servicecentrum",
    roles=["admin"],
    gemeenten=["0363", "0518"],
)


@dataclass(frozen=True)
class Beheer:
    platform: Platform
    iso: Isolation

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def open(self, page: Page, path: str, username: str = ADMIN) -> Any:
        return sign_in(page, self.web, self.platform["idp-standin"].url, username, path)

    def policy(self, page: str, municipality: str = "0363") -> dict[str, Any]:
        """The policy in force as its owner's API serves it to the regional centre's operator."""
        service, name = POLICIES[page]
        response = httpx.get(
            f"{self.platform[service].url}/v1/beheer/gemeenten/{municipality}/{name}",
            headers=staff_headers(self.platform, CENTRE.username),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def deliver(self, api_key: str) -> int:
        """A creditor's signal to intake with the key: the status intake answers."""
        response = httpx.post(
            f"{self.platform['intake'].url}/v1/signalen",
            headers={"X-Api-Key": api_key},
            json=jansen_body(f"ref-{uuid4().hex[:8]}"),
        )
        return response.status_code

    def creditors(self) -> set[str]:
        rows = run_beside(fetch(self.iso.database_url, "SELECT id FROM intake.vlps"))
        return {r["id"] for r in rows}


@pytest.fixture(scope="module")
def beheer(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Beheer]:
    users = tmp_path_factory.mktemp("web-beheer-idp") / "users.json"
    users.write_text(json.dumps([u.model_dump() for u in [*DEMO_USERS, CENTRE]]))
    with isolated(endpoints) as iso:
        platform = platform_for(
            iso,
            tmp_path_factory.mktemp("web-beheer") / "logs",
            env={"VROEG_IDP_USERS": str(users)},
            served=("0363", "0518"),
        )
        try:
            platform.start(["idp-standin", "intake", "matcher", "followup", "web"])
            yield Beheer(platform, iso)
        finally:
            platform.stop()


def status(page: Page) -> str:
    return page.get_by_role("status").inner_text()


def test_an_admin_issues_a_key_that_works_against_intake_and_stops_when_revoked(
    beheer: Beheer, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    beheer.open(page, "/")
    menu = page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link")
    assert menu.all_inner_texts() == ["Beheer"]
    check_page(page, test, "start-beheer")
    menu.get_by_text("Beheer").click()
    check_page(page, test, "beheer")
    page.get_by_role("link", name="Schuldeisers en sleutels").click()
    check_page(page, test, "schuldeisers")

    page.get_by_label("Schuldeiser-id", exact=True).first.fill("woonbron")
    page.get_by_label("Naam").fill("Woonbron")
    page.get_by_label("Soort schuldeiser").select_option("HUUR")
    page.get_by_role("button", name="Schuldeiser registreren").click()
    page.wait_for_load_state()
    assert status(page) == "De schuldeiser is geregistreerd."
    assert "woonbron" in beheer.creditors()

    agreement = page.get_by_role("region", name="Overeenkomst vastleggen")
    agreement.get_by_label("Schuldeiser-id").fill("woonbron")
    agreement.get_by_label("Ingangsdatum").fill("2024-01-01")
    agreement.get_by_role("button", name="Overeenkomst vastleggen").click()
    page.wait_for_load_state()
    assert status(page) == "De overeenkomst is vastgelegd."

    # The key is shown once, on the page that answers the form.
    issue = page.get_by_role("region", name="Sleutel uitgeven")
    issue.get_by_label("Schuldeiser-id").fill("woonbron")
    issue.get_by_role("button", name="Sleutel uitgeven").click()
    page.wait_for_load_state()
    api_key = page.locator("#api-sleutel").inner_text()
    key_id = page.locator("#sleutel-id").inner_text()
    assert api_key.startswith(f"vroeg_{key_id}.")
    check_page(page, test, "sleutel")
    assert beheer.deliver(api_key) == 201
    page.get_by_role("link", name="Terug naar schuldeisers en sleutels").click()
    page.wait_for_url(f"{beheer.web}/beheer/schuldeisers")
    assert api_key not in page.content()

    revoke = page.get_by_role("region", name="Sleutel intrekken")
    revoke.get_by_label("Sleutel-id").fill(key_id)
    revoke.get_by_role("button", name="Sleutel intrekken").click()
    page.wait_for_load_state()
    assert status(page) == "De sleutel is ingetrokken. Hij werkt niet meer."
    assert beheer.deliver(api_key) == 401

    # A creditor id taken already: told in Dutch, the form as typed.
    page.get_by_label("Schuldeiser-id", exact=True).first.fill("woonbron")
    page.get_by_label("Naam").fill("Woonbron 2")
    page.get_by_label("Soort schuldeiser").select_option("HUUR")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Schuldeiser registreren").click()
    assert refused.value is not None
    assert refused.value.status == 409
    assert "al in gebruik" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Naam").input_value() == "Woonbron 2"
    taken = page.get_by_label("Schuldeiser-id", exact=True).first
    assert taken.get_attribute("aria-invalid") == "true"
    check_page(page, test, "schuldeiser-geweigerd")

    # A key id intake does not know, and one that cannot be one (never sent to intake).
    for typed, status_code, told in [
        ("0123456789abcdef", 404, "Er is geen sleutel met dit id."),
        ("../vlps", 400, "16 tekens"),
    ]:
        revoke.get_by_label("Sleutel-id").fill(typed)
        with page.expect_navigation() as refused:
            revoke.get_by_role("button", name="Sleutel intrekken").click()
        assert refused.value is not None
        assert refused.value.status == status_code
        assert told in page.get_by_role("alert").inner_text()
        assert revoke.get_by_label("Sleutel-id").input_value() == typed


def test_an_admin_saves_the_policies_and_each_owner_serves_the_new_version(
    beheer: Beheer, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    beheer.open(page, "/beheer/prioriteit")
    assert page.get_by_text("versie 0, het landelijke standaardbeleid").is_visible()
    check_page(page, test, "prioriteit")
    page.get_by_label("Punten bij huurachterstand").fill("22,5")
    page.get_by_label("Kwetsbare wijken").fill("1102, 1103")
    page.get_by_role("button", name="Prioriteit opslaan").click()
    page.wait_for_load_state()
    assert status(page) == "Versie 1 is opgeslagen en geldt vanaf nu."
    saved = beheer.policy("prioriteit")
    assert (saved["version"], Decimal(saved["weights"]["rent"])) == (1, Decimal("22.5"))
    assert saved["vulnerableAreas"] == ["1102", "1103"]
    assert page.get_by_label("Punten bij huurachterstand").input_value() == "22,5"

    # An area that is no postcode area: refused, marked, and no new version.
    page.get_by_label("Kwetsbare wijken").fill("1102 12AB")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Prioriteit opslaan").click()
    assert refused.value is not None
    assert refused.value.status == 400
    assert "postcodegebied van vier cijfers" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Kwetsbare wijken").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Kwetsbare wijken").input_value() == "1102 12AB"
    check_page(page, test, "prioriteit-geweigerd")
    assert beheer.policy("prioriteit")["version"] == 1

    # The contact plan: the default's steps, one more, and the sender the letters name.
    page.goto(f"{beheer.web}/beheer/contactplan")
    check_page(page, test, "contactplan")
    default = beheer.policy("contactplan")
    step = page.get_by_role("group", name=f"Stap {len(default['steps']) + 1}")
    step.get_by_label("Soort").select_option("HUISBEZOEK")
    step.get_by_label("Na werkdagen").fill("5")
    step.get_by_label("Crisis").select_option("ja")
    step.get_by_label("Achterstand boven (euro)").fill("1.500,00")
    sender = page.get_by_role("group", name="Van wie de berichten komen")
    for field, value in {
        "Naam": "Gemeente Amsterdam, Vroegsignalering",
        "Telefoonnummer": "14 020",
        "E-mailadres": "vroegsignalering@amsterdam.nl",
        "Website": "amsterdam.nl/geldzorgen",
        "Bereikbaar": "op werkdagen van 9.00 tot 17.00 uur",
        "Retouradres": "Postbus 1\n1000 AA Amsterdam",
    }.items():
        sender.get_by_label(field).fill(value)
    page.get_by_role("button", name="Contactplan opslaan").click()
    page.wait_for_load_state()
    assert status(page) == "Versie 1 is opgeslagen en geldt vanaf nu."
    plan = beheer.policy("contactplan")
    assert plan["version"] == 1
    assert plan["steps"][: len(default["steps"])] == default["steps"]
    added = plan["steps"][-1]
    assert (added["kind"], added["delayWorkingDays"], added["criteria"]["crisis"]) == (
        "HUISBEZOEK",
        5,
        True,
    )
    assert Decimal(added["criteria"]["amountOver"]) == Decimal("1500")
    assert plan["sender"]["returnAddress"] == ["Postbus 1", "1000 AA Amsterdam"]
    check_page(page, test, "contactplan-opgeslagen")

    # The intake policy: a threshold and one attestation fewer for health insurers.
    page.goto(f"{beheer.web}/beheer/intakebeleid")
    check_page(page, test, "intakebeleid")
    page.get_by_label("Huur (euro)").fill("75")
    insurers = page.get_by_role("group", name="Zorgverzekering")
    insurers.get_by_label("Gewezen op schuldhulp").uncheck()
    page.get_by_role("button", name="Intakebeleid opslaan").click()
    page.wait_for_load_state()
    assert status(page) == "Versie 1 is opgeslagen en geldt vanaf nu."
    policy = beheer.policy("intakebeleid")
    assert (policy["version"], Decimal(policy["thresholds"]["HUUR"])) == (1, Decimal(75))
    assert policy["requiredAttestations"]["ZORGVERZEKERING"] == ["writtenReminder"]


def test_a_non_admin_gets_the_no_access_page_on_beheer(
    beheer: Beheer, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    beheer.open(page, "/", username="vroegsignaleerder-0363")
    assert page.get_by_role("link", name="Beheer").count() == 0  # not offered …
    for path in ("/beheer", "/beheer/schuldeisers", "/beheer/prioriteit", "/beheer/contactplan"):
        shown = page.goto(beheer.web + path)  # … and refused
        assert shown is not None
        assert shown.status == 403, path
        assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    check_page(page, request.node.name, "beheer-geen-toegang")
    # Nor does a form of theirs, with their own valid token, change anything.
    before = beheer.policy("prioriteit")["version"]
    posted = page.request.post(
        f"{beheer.web}/beheer/prioriteit",
        form={"csrf_token": csrf_token(page), "rent": "99"},
        max_redirects=0,
    )
    assert posted.status == 403
    assert beheer.policy("prioriteit")["version"] == before


def test_a_beheer_form_posted_without_the_csrf_token_changes_nothing(
    beheer: Beheer, new_page: Any, request: pytest.FixtureRequest
) -> None:
    api_key = run_beside(creditor_key(beheer.platform["intake"].url, ("woonstad", "HUUR")))
    page = new_page()
    beheer.open(page, "/beheer")
    before = {name: beheer.policy(name)["version"] for name in POLICIES}
    forms = {
        "schuldeisers": {"id": "vervalst", "naam": "Vervalst", "soort": "HUUR"},
        "overeenkomsten": {"schuldeiser": "woonstad", "gemeente": "0363", "ingang": "2030-01-01"},
        "sleutels": {"houder": "schuldeiser", "schuldeiser": "woonstad"},
        "sleutels/intrekken": {"sleutel": api_key},
        "intakebeleid": {"drempel-HUUR": "1"},
        "prioriteit": {"rent": "99"},
        "contactplan": {"stap-0-soort": "BRIEF", "stap-0-dagen": "0", "afzender-naam": "X"},
    }
    # The browser's own session cookie goes along, as it would with a forged cross-site form.
    for path, fields in forms.items():
        for forged in (fields, {**fields, "csrf_token": "niet-het-token"}):
            refused = page.request.post(f"{beheer.web}/beheer/{path}", form=forged, max_redirects=0)
            assert refused.status == 403, (path, refused.text())
            assert "Formulier geweigerd" in refused.text()
    assert {name: beheer.policy(name)["version"] for name in POLICIES} == before
    assert "vervalst" not in beheer.creditors()
    assert beheer.deliver(api_key) == 201  # not revoked
    page.set_content(refused.text())
    check_page(page, request.node.name, "beheer-formulier-geweigerd")


def test_a_regional_centres_operator_chooses_the_municipality_a_policy_is_saved_for(
    beheer: Beheer, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    beheer.open(page, "/beheer/prioriteit", username=CENTRE.username)
    # All municipalities: which one's policy is not said, so there is no form yet.
    assert "Kies bovenaan de gemeente" in page.get_by_role("main").inner_text()
    assert page.get_by_role("button", name="Prioriteit opslaan").count() == 0
    check_page(page, request.node.name, "prioriteit-kies-gemeente")
    page.get_by_label("Gemeente", exact=True).select_option("0518")
    page.get_by_role("button", name="Kiezen").click()
    page.wait_for_load_state()
    assert page.get_by_text("Het prioriteitsbeleid van 's-Gravenhage (0518)").is_visible()
    before = beheer.policy("prioriteit", "0363")
    page.get_by_label("Punten bij recidive").fill("30")
    page.get_by_role("button", name="Prioriteit opslaan").click()
    page.wait_for_load_state()
    saved = beheer.policy("prioriteit", "0518")
    assert (saved["version"], Decimal(saved["weights"]["recidive"])) == (1, Decimal(30))
    assert beheer.policy("prioriteit", "0363") == before
    check_page(page, request.node.name, "prioriteit-0518")
