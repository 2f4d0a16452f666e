"""The webhook tests' moves: a creditor's key, its endpoint on the receiver stand-in, feedback
for it, the receiver's record, and the test clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx

from tests.support.clock import set_clock
from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish
from vroeg.deploy.processes import IDP_STANDIN, WEBHOOK_STANDIN, Platform
from vroeg.shared.creditor_keys import new_key
from vroeg.shared.events import (
    CreditorKeyChanged,
    KeyHolderKind,
    RefusalReason,
    SignalRefused,
    VlpType,
)
from vroeg.shared.topics import CREDITOR_KEYS, SIGNAL_REFUSED

PROBLEM = "application/problem+json"


class MovableClock:
    """The moment every process of the test takes as now (`VROEG_CLOCK_FILE`)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.now = datetime.now(UTC)
        self._write()

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
        self._write()

    def _write(self) -> None:
        set_clock(self.path, self.now.isoformat())


def started(make_platform: PlatformFactory, clock: MovableClock, **env: str) -> Platform:
    """feedback with the receiver stand-in; a retried delivery is due only when the test
    moves the clock (at most 10 minutes after a failure)."""
    platform = make_platform(
        {
            "VROEG_CLOCK_FILE": str(clock.path),
            "VROEG_WEBHOOK_POLL_INTERVAL_S": "0.1",
            "VROEG_WEBHOOK_BACKOFF_S": "60",
            "VROEG_WEBHOOK_MAX_BACKOFF_S": "600",
            **env,
        }
    )
    platform.start([IDP_STANDIN, WEBHOOK_STANDIN, "feedback"])
    return platform


@dataclass
class Creditor:
    """A creditor as a test plays it: its key, and its receiver on the stand-in."""

    platform: Platform
    name: str
    api_key: str
    database_url: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key}

    @property
    def webhook(self) -> str:
        return f"{self.platform['feedback'].url}/v1/webhook"

    @property
    def receiver_url(self) -> str:
        return f"{self.platform[WEBHOOK_STANDIN].url}/ontvangers/{self.name}"

    def register(self, query: str = "") -> str:
        """Its endpoint on the stand-in (with `query`, which the receiver ignores), whose
        receiver it tells the secret; the secret."""
        url = self.receiver_url + query
        made = httpx.put(self.webhook, json={"url": url}, headers=self.headers)
        assert made.status_code == 201, made.text
        secret = str(made.json()["secret"])
        self.receiver_knows(secret)
        return secret

    def receiver_knows(self, *secrets: str) -> None:
        answer = httpx.put(f"{self._standin}/geheimen", json={"secrets": list(secrets)}, timeout=5)
        assert answer.status_code == 204, answer.text

    def receiver_fails(self, mode: str = "down", status: int = 503) -> None:
        answer = httpx.put(f"{self._standin}/storing", json={"mode": mode, "status": status})
        assert answer.status_code == 204, answer.text

    def receiver_recovers(self) -> None:
        assert httpx.delete(f"{self._standin}/storing").status_code == 204

    def received(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self._standin}/ontvangen", timeout=5)
        return list(answer.json()["received"])

    async def received_when(self, done: Any) -> list[dict[str, Any]]:
        """What the receiver got, once `done` holds of it and feedback has recorded how each
        of those attempts ended: the receiver answers before the worker writes the answer
        down, and an end recorded after the test moved the clock is judged at the new time
        (a failure then may park the delivery, or set its next attempt past the clock). A
        worker stopped mid-attempt holds its claim until the lease ends, by the test clock."""

        async def probe() -> tuple[list[dict[str, Any]], list[Any]]:
            received = self.received()
            under_way = await fetch(
                self.database_url,
                "SELECT id FROM feedback.webhook_deliveries"
                " WHERE vlp_id = $1 AND claim IS NOT NULL",
                self.name,
            )
            return received, under_way

        received, under_way = await eventually(probe, lambda got: done(got[0]) and not got[1])
        assert not under_way, f"attempts whose end feedback has not recorded: {under_way}"
        return received

    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.received() if r["outcome"] == "accepted"]

    @property
    def _standin(self) -> str:
        return f"{self.platform[WEBHOOK_STANDIN].url}/_stand-in/ontvangers/{self.name}"


async def creditor(
    isolation: Isolation,
    platform: Platform,
    name: str,
    kind: KeyHolderKind = KeyHolderKind.VLP,
) -> Creditor:
    """A key intake would have issued (its event), once feedback knows it."""
    key = new_key()
    event = CreditorKeyChanged(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        key_id=key.key_id,
        holder_kind=kind,
        holder_id=name,
        vlp_type=VlpType.HUUR if kind == KeyHolderKind.VLP else None,
        secret_sha256=key.secret_sha256,
        issued_at=datetime.now(UTC),
    )
    await publish(isolation.kafka, isolation.topic(CREDITOR_KEYS.name), [event])
    made = Creditor(platform, name, key.api_key, isolation.database_url)

    async def known() -> int:
        return httpx.get(made.webhook, headers=made.headers).status_code

    assert await eventually(known, lambda status: status != 401) in (403, 404)
    return made


async def feedback_for(isolation: Isolation, creditor: Creditor, count: int = 1) -> list[UUID]:
    """`count` refused signals of the creditor: each earns it NIET_OPGEPAKT; their feedback
    ids, once recorded."""
    refused = [
        SignalRefused(
            municipality="0363",
            occurred_at=datetime.now(UTC),
            signal_id=uuid4(),
            vlp_id=creditor.name,
            vlp_reference=f"{creditor.name}-dossier-{n}",
            reason=RefusalReason.ONDER_DREMPEL,
            rule="R-IN-4",
            policy_version=0,
        )
        for n in range(count)
    ]
    await publish(isolation.kafka, isolation.topic(SIGNAL_REFUSED.name), refused)
    signals = [r.signal_id for r in refused]
    rows = await eventually(
        lambda: fetch(
            isolation.database_url,
            "SELECT id FROM feedback.feedback WHERE signal_id = ANY($1)",
            signals,
        ),
        lambda rows: len(rows) == count,
    )
    return [r["id"] for r in rows]


async def deliveries(isolation: Isolation) -> dict[UUID, dict[str, Any]]:
    """feedback's delivery rows, as an operator reads them."""
    rows = await fetch(isolation.database_url, "SELECT * FROM feedback.webhook_deliveries")
    return {r["id"]: dict(r) for r in rows}
