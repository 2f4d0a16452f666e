"""The Werkvoorraad pages in a real browser: a vroegsignaleerder works the queue (crisis first),
opens a case (the matcher's detail beside followup's followup) and registers attempts, a reply,
the outcome, notes and circumstances, and reopens it; refusals are shown in Dutch and change
nothing; another role gets the no-access page, another municipality's case is not found
(issue 13).

The matcher, followup, the web app and the identity provider run as processes; cases are made
as in production, from routed signals the matcher groups and announces to followup. Every page
is screenshot and checked with axe-core."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.browser import check_page
from tests.support.cases import household, routed
from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, isolated, platform_for, staff_headers
from tests.support.kafka import publish
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform
from vroeg.shared.clock import dutch_date
from vroeg.shared.events import Person, SignalKind, SignalRouted, VlpType
from vroeg.shared.topics import ROUTE_TOPICS

CASE_WORKER = "vroegsignaleerder-0363"
PIET = Person(voornamen="Piet", geslachtsnaam="Jansen", geboortedatum=date(1980, 5, 1))


@dataclass(frozen=True)
class Cases:
    """The running platform and its open cases, one per test that changes one."""

    platform: Platform
    iso: Isolation
    crisis: str  # 0363: a water disconnection, worked in the browser
    rent: str  # 0363: a rent signal, below the crisis case in the queue
    to_refuse: str  # 0363: a refused outcome must leave it open
    to_forge: str  # 0363: forged forms must leave it alone
    letters: str  # 0363: a letter, its reply, notes and circumstances
    to_race: str  # 0363: two vroegsignaleerders close it at once
    in_0518: str

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def followup(self, case_id: str) -> dict[str, Any]:
        """followup's view of a case, as the vroegsignaleerder's API reads it."""
        response = httpx.get(
            f"{self.platform['followup'].url}/v1/meldingen/{case_id}/opvolging",
            headers=staff_headers(self.platform, CASE_WORKER),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def queued(self) -> list[str]:
        response = httpx.get(
            f"{self.platform['followup'].url}/v1/meldingen",
            headers=staff_headers(self.platform, CASE_WORKER),
        )
        return [item["id"] for item in response.json()["items"]]


def signal(municipality: str, **kw: Any) -> SignalRouted:
    """A routed signal of a household of its own, with the contact details a creditor sends."""
    event = routed(household=household(), municipality=municipality, **kw)
    data = event.signal.model_copy(
        update={"debtor": PIET, "phone": "0612345678", "email": "piet.jansen@example.nl"}
    )
    return event.model_copy(update={"signal": data})


async def open_cases(iso: Isolation, events: list[SignalRouted]) -> list[str]:
    """Route the signals; each becomes a case of its own in the matcher and in followup. Their
    ids, in order."""
    ids = []
    in_case = "SELECT case_id FROM matcher.case_signals WHERE signal_id = $1"
    for event in events:
        await publish(iso.kafka, iso.topic(ROUTE_TOPICS[event.route].name), [event])
        found = await eventually(
            lambda e=event: fetch(iso.database_url, in_case, e.signal.signal_id), bool
        )
        ids.append(str(found[0]["case_id"]))
    followed = "SELECT count(*) AS n FROM followup.first_contact_deadlines"
    await eventually(lambda: fetch(iso.database_url, followed), lambda r: r[0]["n"] == len(ids))
    return ids


@pytest.fixture(scope="module")
def cases(endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cases]:
    """One platform for the module's tests; each test works on its own case."""
    with isolated(endpoints) as iso:
        platform = platform_for(iso, tmp_path_factory.mktemp("web-cases") / "logs")
        try:
            platform.start(["idp-standin", "intake", "matcher", "followup", "web"])
            water = {"vlp": "waternet", "vlp_type": VlpType.DRINKWATER}
            events = [
                signal("0363"),
                signal("0363", kind=SignalKind.AFSLUITING, **water),
                signal("0363"),
                signal("0363"),
                signal("0363"),
                signal("0363"),
                signal("0518"),
            ]
            rent, crisis, to_refuse, to_forge, letters, to_race, in_0518 = asyncio.run(
                open_cases(iso, events)
            )
            yield Cases(platform, iso, crisis, rent, to_refuse, to_forge, letters, to_race, in_0518)
        finally:
            platform.stop()


def sign_in(page: Page, cases: Cases, username: str, path: str) -> Any:
    """Open a page of the web app, sign in at the provider's form, come back to it."""
    page.goto(cases.web + path)
    if path == "/":  # the start page is open to all and offers to sign in
        page.get_by_role("link", name="Aanmelden").click()
        page.wait_for_load_state()
    assert page.url.startswith(cases.platform["idp-standin"].url + "/authorize"), page.url
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(username)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(cases.web + path)
    return page.goto(cases.web + path)


def result(page: Page, name: str) -> Locator:
    """A contact attempt's result."""
    return page.get_by_role("group", name="Resultaat").get_by_label(name, exact=True)


def outcome(page: Page, name: str) -> Locator:
    """An outcome's category."""
    return page.get_by_role("group", name="Uitkomst", exact=True).get_by_label(name, exact=True)


def queue_links(page: Page) -> list[str]:
    links = page.locator("tbody a")
    return [str(links.nth(i).get_attribute("href")) for i in range(links.count())]


def test_a_vroegsignaleerder_registers_an_attempt_and_an_outcome_on_the_crisis_case_at_the_top(
    cases: Cases, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    sign_in(page, cases, CASE_WORKER, "/")
    page.get_by_role("navigation").get_by_role("link", name="Werkvoorraad").click()
    page.wait_for_url(f"{cases.web}/werkvoorraad")
    check_page(page, test, "werkvoorraad")

    # The queue: the crisis case first (its deadline is 3 working days, the others' 10).
    links = queue_links(page)
    assert links[0] == f"/werkvoorraad/{cases.crisis}"
    assert f"/werkvoorraad/{cases.rent}" in links
    assert f"/werkvoorraad/{cases.in_0518}" not in links
    top = page.locator("tbody tr").first
    assert top.get_by_text("Crisis", exact=True).is_visible()
    assert top.get_by_text("Binnen termijn").is_visible()
    assert "Jansen" not in page.content()  # the queue shows no personal data

    # One case: the signal with the debtor's details, the deadline, the score's parts.
    page.locator(f'a[href="/werkvoorraad/{cases.crisis}"]').click()
    # Waits for the case's page: a bare is_visible() read the queue's page under load.
    expect(page.get_by_role("heading", name="Afsluiting: drinkwater", exact=False)).to_be_visible()
    assert page.get_by_text("Piet Jansen").is_visible()
    assert page.get_by_text("0612345678").is_visible()
    assert page.get_by_text("piet.jansen@example.nl").is_visible()
    assert page.get_by_text("3 werkdagen na").is_visible()
    score = page.get_by_role("table", name="Opbouw van de score")
    assert score.get_by_role("row", name="Huurachterstand").is_visible()
    check_page(page, test, "melding")

    # An attempt that reached the resident picks the case up (R-FU-1).
    page.get_by_label("Soort contact").select_option("TELEFOON")
    page.get_by_label("Dagdeel").select_option("OCHTEND")
    result(page, "Bereikt").check()
    page.get_by_role("button", name="Contactpoging vastleggen").click()
    expect(page.get_by_role("status")).to_have_text("De contactpoging is vastgelegd.")
    expect(page.get_by_text("Op tijd opgepakt")).to_be_visible()
    check_page(page, test, "melding-na-poging")
    followup = cases.followup(cases.crisis)
    [attempt] = followup["attempts"]
    assert (attempt["kind"], attempt["partOfDay"], attempt["result"]) == (
        "TELEFOON",
        "OCHTEND",
        "BEREIKT",
    )
    assert attempt["registeredBy"] == CASE_WORKER
    assert followup["deadline"]["state"] == "MET"

    # The outcome closes the case (R-FU-4); it leaves the queue.
    outcome(page, "Wil hulp").check()
    page.get_by_label("Nadere uitkomst").select_option("VERWIJZING_FINANCIEEL")
    page.get_by_role("button", name="Uitkomst vastleggen").click()
    expect(page.get_by_role("status")).to_contain_text("gesloten")
    expect(page.get_by_role("heading", name="Melding heropenen")).to_be_visible()
    check_page(page, test, "melding-gesloten")
    followup = cases.followup(cases.crisis)
    assert followup["status"] == "CLOSED"
    assert [(o["category"], o["detail"]) for o in followup["outcomes"]] == [
        ("WIL_HULP", "VERWIJZING_FINANCIEEL")
    ]
    assert cases.crisis not in cases.queued()
    page.get_by_role("link", name="Terug naar de werkvoorraad").click()
    page.wait_for_url(f"{cases.web}/werkvoorraad")
    assert f"/werkvoorraad/{cases.crisis}" not in queue_links(page)

    # The resident came back: reopened with the reason, the case is open again.
    page.goto(f"{cases.web}/werkvoorraad/{cases.crisis}")
    page.get_by_label("Waarom gaat de melding weer open?").fill("De inwoner belde terug.")
    page.get_by_role("button", name="Heropenen").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "De melding is heropend."
    assert cases.followup(cases.crisis)["status"] == "OPEN"


def test_a_refused_outcome_shows_the_rule_in_dutch_keeps_the_input_and_changes_nothing(
    cases: Cases, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, cases, CASE_WORKER, f"/werkvoorraad/{cases.to_refuse}")
    outcome(page, "Wil hulp").check()  # and no detail (R-FU-4)
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Uitkomst vastleggen").click()
    assert refused.value is not None
    assert refused.value.status == 422
    alert = page.get_by_role("alert").inner_text()
    assert "Bij ‘Wil hulp’ hoort een nadere uitkomst: kies er een uit de lijst." in alert
    assert "needs a detail" not in page.content()
    assert outcome(page, "Wil hulp").is_checked()  # what was chosen is kept
    detail = page.get_by_label("Nadere uitkomst")
    assert detail.get_attribute("aria-invalid") == "true"  # the field to correct, described
    assert detail.get_attribute("aria-describedby") == "detail-hint uitkomst-fouten"
    check_page(page, request.node.name, "melding-uitkomst-geweigerd")
    followup = cases.followup(cases.to_refuse)
    assert (followup["status"], followup["outcomes"]) == ("OPEN", [])

    # An attempt in the future is refused too, with the date typed kept.
    page.get_by_label("Soort contact").select_option("HUISBEZOEK")
    page.get_by_label("Datum", exact=True).fill("2099-01-05")
    result(page, "Niet bereikt").check()
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Contactpoging vastleggen").click()
    assert refused.value is not None
    assert refused.value.status == 422
    assert "in de toekomst" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Datum", exact=True).input_value() == "2099-01-05"
    assert page.get_by_label("Soort contact").input_value() == "HUISBEZOEK"
    assert cases.followup(cases.to_refuse)["attempts"] == []

    # A missing field is named, not guessed.
    page.get_by_label("Soort contact").select_option("")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Contactpoging vastleggen").click()
    assert refused.value is not None
    assert refused.value.status == 400
    assert "Kies hoe u contact zocht." in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Soort contact").get_attribute("aria-invalid") == "true"
    check_page(page, request.node.name, "melding-poging-onvolledig")
    assert cases.followup(cases.to_refuse)["attempts"] == []


def test_a_letter_its_reply_a_note_and_the_circumstances(
    cases: Cases, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    sign_in(page, cases, CASE_WORKER, f"/werkvoorraad/{cases.letters}")
    page.get_by_label("Soort contact").select_option("BRIEF")
    result(page, "Niet bereikt").check()
    page.get_by_role("button", name="Contactpoging vastleggen").click()
    page.wait_for_load_state()
    # The reply to the letter is recorded on the letter's attempt (§8.5.3).
    page.get_by_role("button", name="Reactie vastleggen").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "De reactie is vastgelegd."
    [letter] = cases.followup(cases.letters)["attempts"]
    assert (letter["kind"], letter["result"]) == ("BRIEF", "BEREIKT")
    # Followup's today is the Dutch one (already tomorrow from 23:00 UTC in winter).
    assert letter["repliedOn"] == dutch_date(datetime.now(UTC)).isoformat()

    page.get_by_label("Nieuwe notitie").fill("Belt maandag terug over de huur.")
    page.get_by_role("button", name="Notitie opslaan").click()
    page.wait_for_load_state()
    assert page.get_by_text("Belt maandag terug over de huur.").is_visible()
    assert [n["text"] for n in cases.followup(cases.letters)["notes"]] == [
        "Belt maandag terug over de huur."
    ]

    # Both circumstances at once is refused (BW 1:431), and the boxes stay as ticked.
    page.get_by_label("Beschermingsbewind").check()
    page.get_by_label("Curatele").check()
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Omstandigheden opslaan").click()
    assert refused.value is not None
    assert refused.value.status == 422
    assert "sluiten elkaar uit" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Curatele").is_checked()
    check_page(page, test, "melding-omstandigheden-geweigerd")
    assert not cases.followup(cases.letters)["curatele"]
    page.get_by_label("Beschermingsbewind").uncheck()
    page.get_by_role("button", name="Omstandigheden opslaan").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "De omstandigheden zijn opgeslagen."
    followup = cases.followup(cases.letters)
    assert (followup["beschermingsbewind"], followup["curatele"]) == (False, True)
    check_page(page, test, "melding-bijgewerkt")


def test_who_registers_an_outcome_second_is_told_the_case_is_closed(
    cases: Cases, new_page: Any, request: pytest.FixtureRequest
) -> None:
    first, second = new_page(), new_page()
    for page in (first, second):
        sign_in(page, cases, CASE_WORKER, f"/werkvoorraad/{cases.to_race}")
    outcome(first, "Niet bereikt").check()
    first.get_by_label("Nadere uitkomst").select_option("GEEN_CONTACT")
    first.get_by_role("button", name="Uitkomst vastleggen").click()
    first.wait_for_load_state()
    assert "gesloten" in first.get_by_role("status").inner_text()

    outcome(second, "Bekend bij schuldhulp").check()
    with second.expect_navigation() as refused:
        second.get_by_role("button", name="Uitkomst vastleggen").click()
    assert refused.value is not None
    assert refused.value.status == 409
    assert "al gesloten" in second.get_by_role("alert").inner_text()
    assert second.get_by_text("Geen contact gekregen", exact=False).first.is_visible()
    check_page(second, request.node.name, "melding-al-gesloten")
    followup = cases.followup(cases.to_race)
    assert [(o["category"], o["detail"]) for o in followup["outcomes"]] == [
        ("NIET_BEREIKT", "GEEN_CONTACT")
    ]


def test_an_analyst_cannot_open_the_werkvoorraad_or_a_case(
    cases: Cases, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, cases, "analyst-0363", "/")
    assert page.get_by_role("link", name="Werkvoorraad").count() == 0  # not offered …
    for path in (f"/werkvoorraad/{cases.rent}", "/werkvoorraad"):  # … and refused
        shown = page.goto(cases.web + path)
        assert shown is not None
        assert shown.status == 403
        assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    check_page(page, request.node.name, "geen-toegang")


def test_another_municipalitys_case_gives_the_not_found_page(
    cases: Cases, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, cases, CASE_WORKER, "/werkvoorraad")
    shown = page.goto(f"{cases.web}/werkvoorraad/{cases.in_0518}")
    assert shown is not None
    assert shown.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Niet gevonden"
    check_page(page, request.node.name, "niet-gevonden")
    # Nor can a form reach it.
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    posted = page.request.post(
        f"{cases.web}/werkvoorraad/{cases.in_0518}/notitie",
        form={"csrf_token": str(token), "tekst": "Niet de mijne."},
    )
    assert posted.status == 404
    assert page.goto(f"{cases.web}/werkvoorraad/niet-een-id").status == 404  # type: ignore[union-attr]


def test_a_case_form_posted_without_the_csrf_token_changes_nothing(
    cases: Cases, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, cases, CASE_WORKER, f"/werkvoorraad/{cases.to_forge}")
    url = f"{cases.web}/werkvoorraad/{cases.to_forge}"
    forms = {
        "contactpoging": {
            "soort": "TELEFOON",
            "datum": str(dutch_date(datetime.now(UTC))),
            "resultaat": "BEREIKT",
        },
        "uitkomst": {"categorie": "NIET_BEREIKT", "detail": "GEEN_CONTACT"},
        "notitie": {"tekst": "Vervalst."},
        "omstandigheden": {"curatele": "ja"},
    }
    # The browser's own session cookie goes along, as it would with a forged cross-site form.
    for name, fields in forms.items():
        for forged in (fields, {**fields, "csrf_token": "niet-het-token"}):
            refused = page.request.post(f"{url}/{name}", form=forged, max_redirects=0)
            assert refused.status == 403, (name, refused.text())
            assert "Formulier geweigerd" in refused.text()
    followup = cases.followup(cases.to_forge)
    assert followup["status"] == "OPEN"
    assert (followup["attempts"], followup["outcomes"], followup["notes"]) == ([], [], [])
    assert not followup["curatele"]
    page.set_content(refused.text())
    check_page(page, request.node.name, "formulier-geweigerd")
