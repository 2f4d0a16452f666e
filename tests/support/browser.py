"""A real browser for the page tests: Playwright driving Debian's Chromium (`/usr/bin/chromium`,
installed by `./dev`; Playwright never downloads a browser here), with a screenshot and an
axe-core accessibility check (from npm, `tools/axe`) of every page a test looks at."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "tools/axe/node_modules/axe-core/axe.min.js"
# Screenshots are test artifacts, kept out of git (.vroeg is ignored).
ARTIFACTS = ROOT / ".vroeg/artifacts/pages"
# WCAG 2.1 A and AA, the Dutch government's norm.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Headless Chromium for one test. Not for longer: Playwright's sync API keeps an event loop
    running in the main thread while it lives, where the other fixtures' `asyncio.run` must
    then fail."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is expected at /usr/bin/chromium (./dev installs it from Debian)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Any]:
    """Makes pages, each in a browser context of its own (its own cookies: one user each)."""
    contexts = []

    def make() -> Page:
        # The pages' Content-Security-Policy forbids inline scripts; axe is injected as one.
        context = browser.new_context(bypass_csp=True, locale="nl-NL")
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def run_beside(work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(work)` in a thread of its own: while a browser lives, Playwright's event
    loop holds the main thread."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, work).result()


def check_page(page: Page, test: str, name: str) -> list[dict[str, Any]]:
    """Save a screenshot of the page and run axe-core on it; the serious and critical WCAG 2.1
    AA violations (asserted empty), and every violation found, for the record."""
    if not AXE.exists():
        pytest.fail("axe-core is expected in tools/axe (./dev runs npm ci there)")
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    violations: list[dict[str, Any]] = result["violations"]
    # Every finding, minor ones too, beside the screenshot.
    (folder / f"{name}.axe.json").write_text(
        json.dumps(
            [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])} for v in violations],
            indent=1,
        )
    )
    blocking = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in violations
        if v["impact"] in BLOCKING
    ]
    assert blocking == [], f"{name}: {blocking}"
    return violations


def sign_in(page: Page, web: str, idp: str, username: str, path: str) -> Any:
    """Open a page of the web app at `web`, sign in at the identity provider's (`idp`) form
    as a demo account (password = name), come back to the page; its response."""
    page.goto(web + path)
    if path == "/":  # the start page is open to all and offers to sign in
        page.get_by_role("link", name="Aanmelden").click()
        page.wait_for_load_state()
    assert page.url.startswith(idp + "/authorize"), page.url
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(username)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(web + path)
    return page.goto(web + path)


def csrf_token(page: Page) -> str:
    """The session's CSRF token, as the page's forms carry it."""
    return str(page.locator('input[name="csrf_token"]').first.get_attribute("value"))
