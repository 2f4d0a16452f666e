"""The tracing dashboard (issue 14): the services send their spans to a local Zipkin, a
signal's trace is found through Zipkin's API with spans from all six services, named and
tagged by OpenTelemetry's messaging conventions and without personal data, and its page in
Zipkin's UI renders in Chromium (a screenshot is kept as an artifact)."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import Request, async_playwright

from tests.support.db import eventually
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from vroeg.deploy import infra
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import free_port
from vroeg.deploy.zipkin_server import trace_page, zipkin_down, zipkin_up
from vroeg.shared.topics import SERVICES, TOPICS

CHROMIUM = "/usr/bin/chromium"  # Debian's; `./dev test` installs it
SIX = {f"vroeg-{name}" for name in SERVICES}
# Anna de Vries of the BRP stand-in, deceased: her signal opens a case (matcher), gets a
# deadline (followup), tells the creditor OVERLEDEN (feedback) and is counted (reporting).
DECEASED = signal_body(
    reference="dashboard-deceased",
    kind="VROEGSIGNAAL",
    arrears_type="HUUR",
    geslachtsnaam="Vries",
    voorvoegsel="de",
    geboortedatum=date(1950, 2, 2),
    postcode="1012AB",
    huisnummer=3,
    today=date.today(),
)
PERSONAL = ("Vries", "999990032", "1950-02-02", "1012AB")  # her name, BSN, birth date, postcode


@pytest.fixture(scope="module")
def zipkin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Zipkin server of this test module (its jar from the cache), on a free port."""
    home = tmp_path_factory.mktemp("zipkin")
    url = zipkin_up(home=home, port=free_port())
    yield url
    zipkin_down(home)


async def _trace(zipkin: str, trace_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{zipkin}/api/v2/trace/{trace_id}")
    return list(response.json()) if response.status_code == 200 else []


async def _settled(zipkin: str, trace_id: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The trace once no more spans arrive: after the six services' spans come the late ones
    (facts for the monitor, the relays' sends), which the UI's page would count too."""
    for _ in range(20):
        await asyncio.sleep(3)
        later = await _trace(zipkin, trace_id)
        if len(later) == len(spans):
            return spans
        spans = later
    raise AssertionError(f"trace {trace_id} kept growing: {len(spans)} spans")


def _services(spans: list[dict[str, Any]]) -> set[str]:
    return {span["localEndpoint"]["serviceName"] for span in spans}


async def test_a_signals_trace_crosses_all_six_services_on_the_tracing_dashboard(
    isolation: Isolation, make_platform: PlatformFactory, zipkin: str
) -> None:
    platform = make_platform({**infra.zipkin_export(zipkin), "OTEL_BSP_SCHEDULE_DELAY": "100"})
    platform.start()
    key = await creditor_key(platform["intake"].url)
    # The creditor's client starts the trace; intake continues it.
    trace_id, caller = secrets.token_hex(16), secrets.token_hex(8)
    headers = {"X-Api-Key": key, "traceparent": f"00-{trace_id}-{caller}-01"}
    async with httpx.AsyncClient(base_url=platform["intake"].url) as http:
        response = await http.post("/v1/signalen", json=DECEASED, headers=headers)
    assert response.status_code == 201, response.text

    def complete(spans: list[dict[str, Any]]) -> bool:
        """From all six services, and every span's parent there (a span is exported when it
        ends, after its children): the caller's span alone is not."""
        ids = {span["id"] for span in spans} | {caller}
        return _services(spans) == SIX and all(span["parentId"] in ids for span in spans)

    spans = await _settled(
        zipkin, trace_id, await eventually(lambda: _trace(zipkin, trace_id), complete, 90)
    )
    assert _services(spans) == SIX
    assert complete(spans)
    # Named and tagged by the messaging conventions: `send <topic>` by the producing service,
    # `process <topic>` by each consuming one, on the topic the name says.
    producers = {t.name: t.producer for t in TOPICS}
    messaging = [s for s in spans if s.get("tags", {}).get("messaging.system") == "kafka"]
    for span in messaging:
        tags, service = span["tags"], span["localEndpoint"]["serviceName"]
        operation, topic = span["name"].split(" ", 1)
        assert tags["messaging.operation.name"] == tags["messaging.operation.type"] == operation
        assert tags["messaging.destination.name"] == topic
        logical = topic.removeprefix(isolation.topic_prefix)
        if operation == "send":
            assert span["kind"] == "PRODUCER"
            assert service == f"vroeg-{producers[logical]}"
        else:
            assert (operation, span["kind"]) == ("process", "CONSUMER")
            assert tags["messaging.consumer.group.name"] == isolation.group(service[6:])
    consumers = {s["localEndpoint"]["serviceName"] for s in messaging if s["kind"] == "CONSUMER"}
    assert consumers == SIX - {"vroeg-intake"}
    assert ("vroeg-intake", "post /v1/signalen") in {
        (s["localEndpoint"]["serviceName"], s["name"]) for s in spans
    }
    text = json.dumps(spans)
    assert not [value for value in PERSONAL if value in text]

    # The trace's page in Zipkin's own UI, in Chromium; nothing is fetched from elsewhere.
    shot = infra.state_dir() / "artifacts" / f"zipkin-trace-{trace_id}.png"
    page_text, elsewhere = await _screenshot(trace_page(zipkin, trace_id), shot)
    print(f"screenshot of the trace page: {shot}")
    assert not elsewhere
    # The page's header counts what Zipkin shows: the six services and every span.
    counted = re.search(r"Services\s*(\d+)\s*Total Spans\s*(\d+)", page_text)
    assert counted is not None, page_text[:500]
    assert counted.groups() == (str(len(SIX)), str(len(spans)))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def _screenshot(url: str, path: Path) -> tuple[str, list[str]]:
    """Open a page in headless Chromium, screenshot it to `path`; the page's text and every
    request it made off this machine (refused)."""
    elsewhere: list[str] = []
    async with async_playwright() as playwright:
        # As root, Chromium runs only without its sandbox.
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page(viewport={"width": 1600, "height": 2000})

            async def only_local(route: Any, request: Request) -> None:
                if urlsplit(request.url).hostname in ("127.0.0.1", "localhost"):
                    await route.continue_()
                else:
                    elsewhere.append(request.url)
                    await route.abort()

            await page.route("**/*", only_local)
            await page.goto(url)
            await page.get_by_text("vroeg-reporting").first.wait_for(timeout=30_000)
            await page.wait_for_load_state("networkidle")
            path.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(path), full_page=True)
            return await page.inner_text("body"), elsewhere
        finally:
            await browser.close()
