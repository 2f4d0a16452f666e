"""`vroeg demo --keep` as a developer runs it in a terminal: what it prints is true of the
platform it leaves running (checked through the services' APIs, the web app's pages, the
webhook receiver and the demo's database), and Ctrl-C stops it and every service."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.support.db import fetch
from vroeg.deploy import infra
from vroeg.deploy.processes import Platform, free_ports

UP = "Ctrl-C stops it."
# The demo starts a dozen processes and works its traffic through them before the tests look.
pytestmark = pytest.mark.timeout(600)


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


@dataclass
class KeptDemo:
    """A demo left running: its process, what it printed, where its processes listen, and its
    database."""

    process: subprocess.Popen[bytes]
    output: str
    urls: dict[str, str]
    database_url: str

    def line(self, starting: str, containing: str = "") -> str:
        """The one printed line that starts (after its indent) with `starting` and contains
        `containing`."""
        [found] = [
            x.strip()
            for x in self.output.splitlines()
            if x.strip().startswith(starting) and containing in x
        ]
        return found

    def staff(self, account: str) -> dict[str, str]:
        """A bearer token of a demo account at the demo's identity provider."""
        grant = {"grant_type": "password", "username": account, "password": account}
        token = httpx.post(f"{self.urls['idp-standin']}/token", data=grant)
        token.raise_for_status()
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    def get(self, service: str, path: str, account: str, **params: str) -> Any:
        """`GET path` of a service's API as a demo account."""
        response = httpx.get(
            f"{self.urls[service]}/v1{path}", params=params, headers=self.staff(account)
        )
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def demo(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KeptDemo]:
    """`vroeg demo --keep` on the shared infrastructure with its own topics, database and
    ports, until its platform is up and its report printed."""
    tmp = tmp_path_factory.mktemp("demo")
    prefix = f"demo{uuid4().hex[:12]}."
    env = {
        **os.environ,
        **endpoints.env(),
        "VROEG_TOPIC_PREFIX": prefix,
        "VROEG_HOME": str(tmp / "home"),
        "VROEG_ENVIRONMENT": "development",
        "VROEG_OUTBOX_POLL_INTERVAL_S": "0.2",
    }
    database = make_url(endpoints.database_url).set(database=f"vroeg_demo_{prefix[:-1]}")
    database_url = database.render_as_string(hide_password=False)
    names = Platform.names()
    base_port = free_ports(len(names))
    out = tmp / "demo.out"
    vroeg = str(Path(sys.executable).parent / "vroeg")
    with out.open("wb") as sink:
        # Its own process group, as a terminal's foreground job: Ctrl-C signals the group.
        process = subprocess.Popen(
            [vroeg, "demo", "--keep", "--base-port", str(base_port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 420
        while UP not in out.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert UP in out.read_text(), out.read_text()[-4000:]
        urls = {name: f"http://127.0.0.1:{base_port + i}" for i, name in enumerate(names)}
        yield KeptDemo(process, out.read_text(), urls, database_url)
    finally:
        # Its children are looked up while it still runs: once it is reaped, its pid may be
        # another process's (pids wrap at 32,768 here), whose children (say, a parallel test's
        # Chromium renderers) must not be killed.
        children = _children(process.pid) if process.poll() is None else []
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        asyncio.run(infra.drop_database(database_url))


def _row(demo: KeptDemo, label: str) -> str:
    """The table's row of the demo signal with `label`."""
    [row] = [line for line in demo.output.splitlines() if line.startswith(label + " ")]
    return row


def _number(line: str, pattern: str) -> int:
    found = re.search(pattern, line)
    assert found is not None, line
    return int(found.group(1))


def test_a_relocated_signal_is_forwarded_to_the_other_tenant_and_its_creditor_hears_so(
    demo: KeptDemo,
) -> None:
    row = _row(demo, "rent arrears, moved to Rotterdam")
    assert "NIET_WOONACHTIG doorgestuurd" in row
    assert "forwarded to 0599" in row
    assert "there routed resident" in row
    assert "NIET_WOONACHTIG niet doorgestuurd" in _row(demo, "water arrears, emigrated")

    # True of the platform: one signal arrived at 0599 from 0363, and woonstad was told
    # NIET_WOONACHTIG forwarded of exactly its signal to 0363.
    arrived = asyncio.run(
        fetch(
            demo.database_url,
            "SELECT municipality, vlp_id FROM intake.signals WHERE forwarded_by = '0363'",
        )
    )
    assert [tuple(r) for r in arrived] == [("0599", "woonstad")]
    told = asyncio.run(
        fetch(
            demo.database_url,
            "SELECT vlp_reference FROM feedback.feedback "
            "WHERE feedback_type = 'NIET_WOONACHTIG' AND doorgestuurd",
        )
    )
    assert [r["vlp_reference"].split("-", 1)[1] for r in told] == ["woonstad-bakker"]


def test_each_creditor_hears_what_the_demo_says_and_the_webhook_receiver_verified_it(
    demo: KeptDemo,
) -> None:
    printed = {
        vlp: _number(demo.line(f"{vlp} ("), r"\): (\d+)$")
        for vlp in ("waternet", "woonstad", "vattenfall", "zilveren-kruis")
    }
    rows = asyncio.run(
        fetch(
            demo.database_url,
            # What creditors read themselves (not what a forwarder reads of a forward).
            "SELECT vlp_id, feedback_type FROM feedback.feedback WHERE forwarded_by IS NULL",
        )
    )
    assert printed == {vlp: sum(1 for r in rows if r["vlp_id"] == vlp) for vlp in printed}
    kinds = {r["feedback_type"] for r in rows}
    assert {"OVERLEDEN", "NIET_WOONACHTIG", "NIET_OPGEPAKT", "BEKEND_BIJ_SHV"} <= kinds
    assert "HULP_GEACCEPTEERD" in kinds
    assert "NIET_OPGEPAKT HERHAALD_SIGNAAL" in demo.output

    webhook = demo.line("Webhook receiver of waternet")
    verified = _number(webhook, r"(\d+) deliveries verified")
    assert _number(webhook, r"(\d+) refused") == 0
    assert "the same feedback ids as its poll" in webhook
    received = httpx.get(
        f"{demo.urls['webhook-standin']}/_stand-in/ontvangers/waternet/ontvangen"
    ).json()["received"]
    accepted = [r for r in received if r["outcome"] == "accepted"]
    assert verified == len(accepted) == printed["waternet"] >= 2
    assert {r["body"]["feedbackType"] for r in accepted} >= {"HULP_GEACCEPTEERD"}


class _Links(HTMLParser):
    """The links of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v or "" for k, v in attrs if tag == "a" and k == "href"]


def _page(demo: KeptDemo, account: str, path: str) -> httpx.Response:
    """A page of the web app, signed in as `account` through the identity provider's form
    (OpenID Connect code flow), as a browser would."""
    with httpx.Client(follow_redirects=True) as browser:
        form = browser.get(f"{demo.urls['web']}/aanmelden", params={"terug": path})
        pending = re.search(r'name="request" value="([^"]+)"', form.text)
        assert pending is not None, form.text
        signed_in = browser.post(
            f"{demo.urls['idp-standin']}/authorize",
            data={"request": pending.group(1), "username": account, "password": account},
        )
        assert signed_in.status_code == 200, signed_in.text
        assert str(signed_in.url) == f"{demo.urls['web']}{path}"
        return signed_in


@pytest.mark.parametrize(
    ("account", "page", "path"),
    [
        ("reviewer-0363", "Uitval", "/uitval"),
        ("vroegsignaleerder-0363", "Werkvoorraad", "/werkvoorraad"),
        ("shv-0363", "SHV", "/shv"),
    ],
)
def test_the_printed_accounts_find_the_items_the_demo_says_in_the_web_app(
    demo: KeptDemo, account: str, page: str, path: str
) -> None:
    count = _number(demo.line(account, f"{page}: "), rf"{page}: (\d+) open")
    assert count > 0
    links = _Links()
    links.feed(_page(demo, account, path).text)
    items = {h for h in links.hrefs if re.fullmatch(rf"{path}/[0-9a-f-]{{36}}", h)}
    assert len(items) == count


def test_the_printed_figures_are_reportings_and_the_cbs_exports(demo: KeptDemo) -> None:
    period = re.search(r"Monitor \(.*\), 0363, (\d{4}-\d{2}):", demo.output)
    assert period is not None
    values = demo.get(
        "reporting", "/indicatorwaarden", "analyst-0363", periode=period.group(1), gemeente="0363"
    )["waarden"]
    figures = {
        (v["indicator"], v["uitsplitsing"]): float(v["teller"])
        for v in values
        if v["gemeente"] == "0363"
    }
    assert _number(demo.line("Aantal vroegsignalen"), r"(\d+)$") == figures[("signalen", None)]
    assert _number(demo.line("Aantal meldingen  "), r"(\d+)$") == figures[("meldingen", None)]
    assert _number(demo.line("Aantal meldingen met hulpacceptatie"), r"(\d+) of") == 1
    forwarded = demo.line("Verhuisde signalen doorgestuurd naar de bevoegde gemeente [FORWARDED]")
    assert _number(forwarded, r"(\d+) of") == figures[("doorgestuurd", "FORWARDED")] == 1
    assert (
        _number(demo.line("analyst-0363", "Monitor"), r"(\d+) signals")
        == figures[("signalen", None)]
    )

    export = demo.line("CBS export")
    dates = re.search(r"(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})", export)
    assert dates is not None
    document = demo.get(
        "matcher",
        "/gemeenten/0363/cbs-levering",
        "cbs-0363",
        startdatum=dates.group(1),
        einddatum=dates.group(2),
    )
    [delivery] = document["leveringen"]
    assert _number(export, r"(\d+) signals") == len(delivery["vroegsignalen"]) > 0
    assert _number(export, r"(\d+) cases") == len(delivery["vroegsignaalzaken"]) > 0


def test_ctrl_c_stops_a_kept_demo_and_every_service(demo: KeptDemo) -> None:
    services = _children(demo.process.pid)
    assert len(services) == len(Platform.names()), services

    os.killpg(demo.process.pid, signal.SIGINT)

    assert demo.process.wait(timeout=90) == 0
    assert [pid for pid in services if _alive(pid)] == []
    for url in demo.urls.values():
        port = int(url.rsplit(":", 1)[1])
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still served"
