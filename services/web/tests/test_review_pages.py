"""The Uitval pages in a real browser: staff sign in at the identity provider's form, reviewers
work the review queue, and the services' scoping is what each user sees (issue 13).

brp-check, the web app and the stand-ins run as processes; signals reach the review queue as
they do in production (a debtor with several BRP candidates); every page is screenshot and
checked with axe-core."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import check_page, run_beside
from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, isolated, platform_for, staff_headers
from tests.support.kafka import publish
from tests.support.signals import jansen_signal
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform, ServiceProcess, free_port
from vroeg.shared.events import Address, Person, SignalReceived
from vroeg.shared.topics import SIGNAL_RECEIVED

# Two Mulders share this birth date: the BRP check finds two candidates and queues the signal.
MULDER = Person(geslachtsnaam="Mulder", geboortedatum=date(1985, 4, 4))
MULDERS = Address(postcode="1012AE", huisnummer=9)
EVA_MULDER = "999990083"
UNKNOWN = Person(geslachtsnaam="Onbekend", geboortedatum=date(1990, 1, 1))
JANSENS = Address(postcode="1012AB", huisnummer=1)


@dataclass(frozen=True)
class Queue:
    """The running platform and the signals waiting in its review queue."""

    platform: Platform
    iso: Isolation
    to_decide: str  # 0363: decided in the browser
    to_forge: str  # 0363: a forged form must leave it alone
    to_race: str  # 0363: two reviewers decide it at once
    in_0518: str

    @property
    def web(self) -> str:
        return self.platform["web"].url

    def api(self, path: str, account: str = "reviewer-ssc") -> httpx.Response:
        """brp-check's API as a reviewer of both municipalities (password grant)."""
        return httpx.get(
            f"{self.platform['brp-check'].url}/v1{path}",
            headers=staff_headers(self.platform, account),
        )

    def open_items(self) -> list[str]:
        return [i["signalId"] for i in self.api("/uitval").json()["items"]]


def received(municipality: str, debtor: Person, address: Address) -> SignalReceived:
    signal = jansen_signal().model_copy(update={"debtor": debtor, "address": address})
    return SignalReceived(municipality=municipality, occurred_at=datetime.now(UTC), signal=signal)


async def queue_for_review(iso: Isolation, events: list[SignalReceived]) -> None:
    count = "SELECT count(*) AS n FROM brp_check.reviews"
    for n, event in enumerate(events, start=1):  # one by one: a known queue order
        await publish(iso.kafka, iso.topic(SIGNAL_RECEIVED.name), [event])
        await eventually(lambda: fetch(iso.database_url, count), lambda r, n=n: r[0]["n"] >= n)


@pytest.fixture(scope="module")
def queue(endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Queue]:
    """One platform for the module's tests; each test works on its own signals."""
    with isolated(endpoints) as iso:
        platform = platform_for(
            iso, tmp_path_factory.mktemp("web") / "logs", served=("0363", "0518")
        )
        try:
            platform.start(["brp-standin", "idp-standin", "intake", "brp-check", "web"])
            events = [
                received("0363", MULDER, MULDERS),
                received("0363", MULDER, MULDERS),
                received("0363", MULDER, MULDERS),
                received("0518", UNKNOWN, JANSENS),
            ]
            asyncio.run(queue_for_review(iso, events))
            ids = [str(e.signal.signal_id) for e in events]
            yield Queue(platform, iso, *ids)
        finally:
            platform.stop()


def sign_in(page: Page, queue: Queue, username: str, path: str, *, check: str | None = None) -> Any:
    """Open a page of the web app, sign in at the provider's form, come back to it."""
    page.goto(queue.web + path)
    if path == "/":  # the start page is open to all and offers to sign in
        page.get_by_role("link", name="Aanmelden").click()
        page.wait_for_load_state()
    assert page.url.startswith(queue.platform["idp-standin"].url + "/authorize"), page.url
    if check:
        check_page(page, check, "aanmelden")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(username)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(queue.web + path)
    return page.goto(queue.web + path)


def test_a_reviewer_signs_in_opens_an_item_and_decides_and_the_signal_moves_on(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    # Signing in from the start page: the provider's form, then back, with the reviewer's pages.
    page.goto(queue.web + "/")
    check_page(page, test, "start-afgemeld")
    shown = sign_in(page, queue, "reviewer-0363", "/", check=test)
    assert shown.status == 200
    assert page.get_by_role("link", name="Uitval").first.is_visible()
    check_page(page, test, "start")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "vroeg-sessie"]
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert len(cookie["value"]) >= 43  # opaque: a random id, nothing readable
    # The database keeps the session under the cookie's hash, not the cookie itself.
    stored = run_beside(fetch(queue.iso.database_url, "SELECT id_hash, subject FROM web.sessions"))
    assert [tuple(r) for r in stored] == [
        (hashlib.sha256(cookie["value"].encode()).hexdigest(), "reviewer-0363")
    ]

    # The queue: the reviewer's municipality only, with each item's age.
    page.get_by_role("navigation").get_by_role("link", name="Uitval").click()
    page.wait_for_url(f"{queue.web}/uitval")
    check_page(page, test, "uitval")
    rows = page.locator("tbody tr")
    links = [rows.nth(i).locator("a").get_attribute("href") for i in range(rows.count())]
    assert links[:2] == [f"/uitval/{queue.to_decide}", f"/uitval/{queue.to_forge}"]
    assert set(links) <= {f"/uitval/{i}" for i in (queue.to_decide, queue.to_forge, queue.to_race)}
    assert "Mulder" not in page.content()  # the queue shows no personal data
    assert rows.first.get_by_text("R-BRP-5: 2 kandidaten in de BRP").is_visible()

    # One item: the signal's data beside the BRP candidates.
    page.locator(f'a[href="/uitval/{queue.to_decide}"]').click()
    expect(page.get_by_role("heading", name="Gegevens uit het signaal")).to_be_visible()
    assert page.get_by_role("heading", name="Kandidaten in de BRP").is_visible()
    assert page.get_by_text(f"BSN {EVA_MULDER}").first.is_visible()
    check_page(page, test, "uitval-item")

    # Without an explanation the decision is refused, with what to do, and nothing changes.
    page.get_by_label(f"BSN {EVA_MULDER}").check()
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Besluit vastleggen").click()
    assert refused.value is not None
    assert refused.value.status == 400
    assert page.get_by_role("alert").inner_text().count("Vul een toelichting in") == 1
    assert page.get_by_label(f"BSN {EVA_MULDER}").is_checked()  # the choice is kept
    check_page(page, test, "uitval-item-fout")
    assert queue.to_decide in queue.open_items()

    page.get_by_label("Toelichting").fill("Zelfde adres en geboortedatum als in het signaal.")
    page.get_by_role("button", name="Besluit vastleggen").click()
    page.wait_for_url(f"{queue.web}/uitval?besluit=resident")
    assert "Inwoner op het adres" in page.get_by_role("status").inner_text()
    check_page(page, test, "uitval-na-besluit")
    assert page.locator(f'a[href="/uitval/{queue.to_decide}"]').count() == 0

    # brp-check's API: the signal left the queue and went on as a resident.
    assert queue.to_decide not in queue.open_items()
    route = queue.api(f"/signalen/{queue.to_decide}/route").json()
    assert route["route"] == "resident"
    assert route["reasons"][0] == "R-BRP-5: reviewer chose a BRP candidate"


def test_a_user_without_the_reviewer_role_gets_the_no_access_page(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, queue, "analyst-0363", "/")
    assert page.get_by_role("link", name="Uitval").count() == 0  # not offered …
    shown = page.goto(queue.web + "/uitval")  # … and brp-check refuses it
    assert shown is not None
    assert shown.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Geen toegang"
    check_page(page, request.node.name, "geen-toegang")


def test_another_municipalitys_item_gives_the_not_found_page(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, queue, "reviewer-0518", "/uitval")
    assert [
        page.locator("tbody a").nth(i).get_attribute("href")
        for i in range(page.locator("tbody a").count())
    ] == [f"/uitval/{queue.in_0518}"]
    shown = page.goto(f"{queue.web}/uitval/{queue.to_forge}")
    assert shown is not None
    assert shown.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Niet gevonden"
    check_page(page, request.node.name, "niet-gevonden")
    assert page.goto(f"{queue.web}/bestaat-niet").status == 404  # type: ignore[union-attr]


def test_a_form_posted_without_the_csrf_token_changes_nothing(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, queue, "reviewer-0363", f"/uitval/{queue.to_forge}")
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert token
    decision = {"keuze": "legal-person", "toelichting": "Vervalst formulier."}
    url = f"{queue.web}/uitval/{queue.to_forge}/besluit"
    # The browser's own session cookie goes along, as it would with a forged cross-site form.
    for forged in (decision, {**decision, "csrf_token": "niet-het-token"}):
        refused = page.request.post(url, form=forged, max_redirects=0)
        assert refused.status == 403, refused.text()
        assert "Formulier geweigerd" in refused.text()
    assert queue.to_forge in queue.open_items()
    assert queue.api(f"/uitval/{queue.to_forge}").json()["decision"] is None
    # Signing out is a form too: without the token the session stays.
    assert page.request.post(f"{queue.web}/afmelden", form={}).status == 403
    assert page.goto(f"{queue.web}/uitval").status == 200  # type: ignore[union-attr]
    page.set_content(refused.text())
    check_page(page, request.node.name, "formulier-geweigerd")


def test_a_regional_centre_reviewer_switches_between_municipalities_and_signs_out(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    test = request.node.name
    page = new_page()
    sign_in(page, queue, "reviewer-ssc", "/uitval")

    def listed() -> set[str]:
        links = page.locator("tbody a")
        return {str(links.nth(i).get_attribute("href")) for i in range(links.count())}

    assert f"/uitval/{queue.in_0518}" in listed()
    assert f"/uitval/{queue.to_forge}" in listed()
    page.get_by_label("Gemeente").select_option("0518")
    page.get_by_role("button", name="Kiezen").click()
    page.wait_for_load_state()
    assert listed() == {f"/uitval/{queue.in_0518}"}
    check_page(page, test, "uitval-0518")
    page.get_by_label("Gemeente").select_option("0363")
    page.get_by_role("button", name="Kiezen").click()
    page.wait_for_load_state()
    assert f"/uitval/{queue.in_0518}" not in listed()
    assert f"/uitval/{queue.to_forge}" in listed()

    page.get_by_role("button", name="Afmelden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "U bent afgemeld"
    check_page(page, test, "afgemeld")
    page.goto(f"{queue.web}/uitval")  # the session is gone: back to the provider's form
    assert page.url.startswith(queue.platform["idp-standin"].url + "/authorize")


def test_a_sign_in_answer_counts_once_and_only_in_the_browser_that_started_it(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page, elsewhere = new_page(), new_page()
    # The provider's answer is kept from the web app: the browser's request to it is aborted.
    page.route("**/aanmelden/terug?*", lambda route: route.abort())
    page.goto(queue.web + "/aanmelden?terug=/uitval")
    page.get_by_label("Gebruikersnaam").fill("reviewer-0363")
    page.get_by_label("Wachtwoord").fill("reviewer-0363")
    with page.expect_request("**/aanmelden/terug?*") as sent:
        page.get_by_role("button", name="Aanmelden").click(no_wait_after=True)
    answer = sent.value.url
    assert "code=" in answer
    assert "state=" in answer

    # Another browser cannot use it (no cookie of the sign-in) …
    shown = elsewhere.goto(answer)
    assert shown is not None
    assert shown.status == 400
    assert elsewhere.get_by_role("heading", level=1).inner_text() == "Aanmelden is niet gelukt"
    check_page(elsewhere, request.node.name, "aanmelden-mislukt")
    assert elsewhere.goto(queue.web + "/uitval").url.startswith(queue.platform["idp-standin"].url)
    # … and then neither can the browser that started it: a state counts once.
    page.unroute("**/aanmelden/terug?*")
    shown = page.goto(answer)
    assert shown is not None
    assert shown.status == 400


def test_a_reviewer_who_decides_second_is_told_and_shown_the_first_decision(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    first, second = new_page(), new_page()
    for page in (first, second):
        sign_in(page, queue, "reviewer-0363", f"/uitval/{queue.to_race}")
    first.get_by_label("Het is een rechtspersoon").check()
    first.get_by_label("Toelichting").fill("Het is een B.V.")
    first.get_by_role("button", name="Besluit vastleggen").click()
    first.wait_for_url(f"{queue.web}/uitval?besluit=legal-person")

    second.get_by_label("De gegevens uit het signaal kloppen").check()
    second.get_by_label("Toelichting").fill("Nieuwe bewoner.")
    with second.expect_navigation() as refused:
        second.get_by_role("button", name="Besluit vastleggen").click()
    assert refused.value is not None
    assert refused.value.status == 409
    assert "al beoordeeld" in second.get_by_role("alert").inner_text()
    assert second.get_by_role("heading", name="Besluit", exact=True).is_visible()
    assert "Het is een B.V." in second.content()  # the first reviewer's explanation
    check_page(second, request.node.name, "uitval-al-beoordeeld")
    assert queue.api(f"/signalen/{queue.to_race}/route").json()["route"] == "legal-person"


def test_a_token_the_services_refuse_asks_to_sign_in_again_and_ends_the_session(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, queue, "analyst-0363", "/")
    [cookie] = [c["value"] for c in page.context.cookies() if c["name"] == "vroeg-sessie"]
    id_hash = hashlib.sha256(cookie.encode()).hexdigest()
    spoil = "UPDATE web.sessions SET access_token = 'ingetrokken' WHERE id_hash = $1"
    run_beside(execute(queue.iso.database_url, spoil, id_hash))
    shown = page.goto(queue.web + "/uitval")
    assert shown is not None
    assert shown.status == 401
    assert page.get_by_role("heading", level=1).inner_text() == "Opnieuw aanmelden"
    check_page(page, request.node.name, "opnieuw-aanmelden")
    gone = "SELECT count(*) AS n FROM web.sessions WHERE id_hash = $1"
    assert run_beside(fetch(queue.iso.database_url, gone, id_hash))[0]["n"] == 0
    page.get_by_role("link", name="Opnieuw aanmelden").click()
    assert page.url.startswith(queue.platform["idp-standin"].url + "/authorize")


def test_a_service_that_is_down_gives_the_temporarily_unavailable_page(
    queue: Queue, new_page: Any, request: pytest.FixtureRequest
) -> None:
    page = new_page()
    sign_in(page, queue, "reviewer-0518", "/uitval")
    brp_check = queue.platform["brp-check"]
    brp_check.stop()
    try:
        shown = page.goto(queue.web + "/uitval")
        assert shown is not None
        assert shown.status == 503
        assert page.get_by_role("heading", level=1).inner_text() == "Tijdelijk niet beschikbaar"
        check_page(page, request.node.name, "niet-beschikbaar")
    finally:
        brp_check.start()
        brp_check.wait_ready()
    assert page.goto(queue.web + "/uitval").status == 200  # type: ignore[union-attr]


def test_a_session_ends_with_its_access_token(queue: Queue, new_page: Any) -> None:
    page = new_page()
    sign_in(page, queue, "reviewer-0518", "/uitval")
    expire = "UPDATE web.sessions SET expires_at = now() WHERE subject = 'reviewer-0518'"
    run_beside(execute(queue.iso.database_url, expire))
    page.goto(queue.web + "/uitval")
    assert page.url.startswith(queue.platform["idp-standin"].url + "/authorize")


def test_every_replica_knows_a_session_and_a_sign_out_ends_it_on_all(
    queue: Queue, new_page: Any, tmp_path: Path
) -> None:
    web = queue.platform["web"]
    replica = ServiceProcess("web", free_port(), dict(web.env), tmp_path / "replica.log")
    replica.start()
    try:
        replica.wait_ready()
        page = new_page()
        sign_in(page, queue, "reviewer-0518", "/uitval")
        # Both listen on 127.0.0.1: the browser sends the session cookie to either.
        shown = page.goto(f"{replica.url}/uitval")
        assert shown is not None
        assert shown.status == 200
        assert page.url == f"{replica.url}/uitval"
        cookies = page.context.cookies()
        page.get_by_role("button", name="Afmelden").click()
        # Signed out at one replica, the session is over at the other, even for a browser that
        # kept the cookie.
        page.context.add_cookies(cookies)
        page.goto(f"{replica.url}/uitval")
        assert page.url.startswith(queue.platform["idp-standin"].url + "/authorize")
    finally:
        replica.stop()


def test_pages_are_served_without_anything_from_elsewhere(queue: Queue) -> None:
    start = httpx.get(queue.web + "/")
    assert start.status_code == 200
    assert "default-src 'self'" in start.headers["content-security-policy"]
    assert start.headers["cache-control"] == "no-store"
    assert '<html lang="nl">' in start.text
    assert httpx.get(queue.web + "/static/style.css").status_code == 200
    assert httpx.get(queue.web + "/health").json()["status"] == "UP"
    ready = httpx.get(queue.web + "/ready").json()
    assert ready["status"] == "UP"
    assert ready["checks"] == {"database": True}
    assert "vroeg_http_requests" in httpx.get(queue.web + "/metrics").text
