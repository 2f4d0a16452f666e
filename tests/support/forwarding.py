"""Forwarding in the cross-service tests (Awb 2:3): Kees Bakker, whom the BRP stand-in
registers in Rotterdam (0599), delivered to Amsterdam (0363); what each side keeps of it; and
a receiving deployment the test plays itself (`FakeReceiver`), to say what a real one never
would."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, staff_headers
from tests.support.local_http import LocalServer, QuietHandler
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import Platform
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY
from vroeg.shared.creditor_keys import new_key

ADMIN = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
PROCESSES = ["idp-standin", "brp-standin", "intake", "brp-check", "feedback"]
# Retries come quickly in the tests (production: up to 5 minutes apart).
FAST_RETRIES = {"VROEG_FORWARDING_MAX_BACKOFF_S": "1", "VROEG_FORWARDING_INTERVAL_S": "0.2"}
# The longest a `FakeReceiver` holds a post unanswered.
HOLD_S = 120

BAKKER = signal_body(
    reference="WS-BAKKER-1",
    kind="VROEGSIGNAAL",
    arrears_type="HUUR",
    today=date.today(),
    geslachtsnaam="Bakker",
    geboortedatum=date(1975, 7, 7),
    postcode="1012AB",
    huisnummer=8,
)


def deliver(platform: Platform, key: str, reference: str = "WS-BAKKER-1") -> str:
    """The creditor delivers Bakker's signal (under `reference`) to 0363; its id there."""
    response = httpx.post(
        f"{platform['intake'].url}/v1/signalen",
        json={**BAKKER, "vlpReference": reference},
        headers={"X-Api-Key": key},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def enter_rotterdam(
    platform: Platform,
    intake_url: str,
    *,
    served_here: bool,
    issuer: str | None = None,
    feedback_url: str | None = None,
    key: str | None = None,
) -> None:
    """In `platform`'s registry, 0599 is reached at `intake_url` (its feedback, if given, at
    `feedback_url`) with `key`, or else the key the receiving deployment's intake (`issuer`, by
    default that one) issues to 0363."""
    if key is None:
        issued = httpx.post(
            f"{issuer or intake_url}/v1/beheer/gemeenten/0363/sleutels", json={}, headers=ADMIN
        )
        issued.raise_for_status()
        key = str(issued.json()["apiKey"])
    entry: dict[str, Any] = {
        "servedHere": served_here,
        "intakeUrl": intake_url,
        "apiKeys": {"0363": key},
    }
    if feedback_url is not None:
        entry["feedbackUrl"] = feedback_url
    saved = httpx.put(
        f"{platform['intake'].url}/v1/beheer/gemeenten/0599", json=entry, headers=ADMIN
    )
    assert saved.status_code == 200, saved.text


class FakeReceiver(LocalServer):
    """Rotterdam's deployment as Amsterdam's forwarder meets it, played by the test: its intake
    acknowledges each forward (with 0363's key) with a fresh id — once `answering` is set: a
    test that clears it holds every post unanswered until it sets it again; `posts` counts
    the posts that arrived (the key right or not). Its feedback feed serves, to that key,
    whatever the test puts in it — the whole feed is 0363's — a page at a time by `after` (the
    index of the last item read), each read answered after `delay_s`."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        # What Rotterdam's intake would have issued to 0363.
        self.key = new_key().api_key
        self.ids: list[str] = []
        self.items: list[dict[str, Any]] = []
        # Each read of the feed: the index of every item it handed out, and its traceparent.
        self.reads: list[list[int]] = []
        self.read_traceparents: list[str | None] = []
        self.posts = 0
        self.answering = threading.Event()
        self.answering.set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if urlsplit(self.path).path != "/v1/doorgestuurde-signalen":
                    return self._answer(404, {})
                with receiver._lock:
                    receiver.posts += 1
                receiver.answering.wait(timeout=HOLD_S)
                if self.headers.get("X-Api-Key") != receiver.key:
                    return self._answer(401, {})
                remote = str(uuid.uuid4())
                with receiver._lock:
                    receiver.ids.append(remote)
                self._answer(201, {"id": remote})

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != "/v1/terugkoppelingen":
                    return self._answer(404, {})
                if self.headers.get("X-Api-Key") != receiver.key:
                    return self._answer(401, {})
                query = parse_qs(url.query)
                start = int(query.get("after", ["-1"])[0]) + 1
                limit = int(query.get("limit", ["100"])[0])
                time.sleep(receiver.delay_s)
                with receiver._lock:
                    served = list(range(start, min(start + limit, len(receiver.items))))
                    items = [receiver.items[n] for n in served]
                    receiver.reads.append(served)
                    receiver.read_traceparents.append(self.headers.get("traceparent"))
                cursor = str(served[-1]) if served else (str(start - 1) if start else None)
                self._answer(200, {"items": items, "cursor": cursor})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                self.answer(status, json.dumps(body).encode(), "application/json")

        super().__init__(Handler)

    def add(self, *items: Any) -> None:
        with self._lock:
            self.items.extend(items)

    def post_count(self) -> int:
        with self._lock:
            return self.posts

    def read_count(self) -> int:
        with self._lock:
            return len(self.reads)

    def handed_out(self) -> list[int]:
        """Every item index handed out, as often as it was."""
        with self._lock:
            return [n for read in self.reads for n in read]


def item(signal_id: str, feedback_type: str, **details: Any) -> dict[str, Any]:
    """An item as a vroeg feed's `FeedbackOut` has it (by alias), with `details` added."""
    return {
        "id": str(uuid.uuid4()),
        "signalId": signal_id,
        "vlpReference": "WS-BAKKER-1",
        "feedbackType": feedback_type,
        "createdAt": datetime.now(UTC).isoformat(),
        **details,
    }


async def feedback_knows(iso: Isolation, municipality: str) -> None:
    """Wait until feedback has the registry entry (it learns it from intake's events): a
    route handled before would find none."""
    await eventually(
        lambda: fetch(
            iso.database_url,
            "SELECT 1 FROM feedback.tenants WHERE municipality = $1",
            municipality,
        ),
        bool,
    )


async def forwarded_rows(iso: Isolation) -> list[Any]:
    return await fetch(
        iso.database_url,
        "SELECT id, municipality, vlp_id, vlp_reference, forwarded_by, original_received_at "
        "FROM intake.signals WHERE forwarded_by <> ''",
    )


async def creditor_feedback(iso: Isolation, signal_id: str) -> list[Any]:
    return await fetch(
        iso.database_url,
        "SELECT * FROM feedback.feedback WHERE signal_id = $1::uuid",
        signal_id,
    )


def staff_forwards(platform: Platform) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{platform['feedback'].url}/v1/doorsturingen",
        headers=staff_headers(platform, "vroegsignaleerder-0363"),
    )
    assert response.status_code == 200, response.text
    forwards: list[dict[str, Any]] = response.json()
    return forwards
