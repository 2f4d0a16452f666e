"""feedback as a process for its tests: creditors' keys published as intake would, and a
creditor's client polling its feedback."""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation
from tests.support.kafka import publish
from vroeg.shared.creditor_keys import new_key
from vroeg.shared.events import CreditorKeyChanged, KeyHolderKind, VlpType
from vroeg.shared.topics import CREDITOR_KEYS


@dataclass(frozen=True)
class KeyOf:
    """A key holder and its API key."""

    holder_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Api-Key": self.api_key}


async def issue_keys(
    iso: Isolation, *holders: str, kind: KeyHolderKind = KeyHolderKind.VLP
) -> list[KeyOf]:
    """Keys for these holders, issued as intake's administration would, once feedback has them."""
    keys = [(holder, new_key()) for holder in holders]
    now = datetime.now(UTC)
    await publish(
        iso.kafka,
        iso.topic(CREDITOR_KEYS.name),
        [
            CreditorKeyChanged(
                municipality="0363",
                occurred_at=now,
                key_id=key.key_id,
                holder_kind=kind,
                holder_id=holder,
                vlp_type=VlpType.HUUR if kind is KeyHolderKind.VLP else None,
                secret_sha256=key.secret_sha256,
                issued_at=now,
            )
            for holder, key in keys
        ],
    )
    ids = {key.key_id for _, key in keys}
    known = await eventually(
        lambda: fetch(iso.database_url, "SELECT key_id FROM feedback.creditor_keys"),
        lambda rows: ids <= {r["key_id"] for r in rows},
        # The consumer joins its group on many topics at start: slow on a loaded machine.
        timeout=180,
    )
    assert ids <= {r["key_id"] for r in known}, "feedback did not learn the keys"
    return [KeyOf(holder, key.api_key) for holder, key in keys]


async def poll_all(
    http: httpx.AsyncClient, key: KeyOf, *, after: str | None = None, limit: int = 100
) -> tuple[list[dict[str, Any]], list[bytes], str | None]:
    """Every page from `after` on until an empty one: the items, each page's raw bytes, and
    the last cursor."""
    items: list[dict[str, Any]] = []
    raw: list[bytes] = []
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if after is not None:
            params["after"] = after
        response = await http.get("/v1/terugkoppelingen", params=params, headers=key.headers)
        assert response.status_code == 200, response.text
        raw.append(response.content)
        page = response.json()
        items.extend(page["items"])
        after = page["cursor"]
        if not page["items"]:
            return items, raw, after


def said(page: bytes) -> str:
    """What a page of feedback says beyond its ids, times and cursor: each of those checked for
    its form and left out, for their digits spell any four-digit code by chance (a
    municipality's code in a timestamp's microseconds, a UUID, a transaction id)."""
    body = json.loads(page)
    for item in body["items"]:
        UUID(item.pop("id"))
        UUID(item.pop("signalId"))
        datetime.fromisoformat(item.pop("createdAt"))
    cursor = body.pop("cursor")
    assert cursor is None or re.fullmatch(r"\d+\.\d+", cursor), cursor
    return json.dumps(body, ensure_ascii=False)


async def poll_until(
    http: httpx.AsyncClient, key: KeyOf, count: int, *, after: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The items from `after` on once there are `count` (or what came within 90 s), and the
    last cursor: a row is served only once feedback's older transactions have ended, and
    the test machine is loaded."""
    items: list[dict[str, Any]] = []
    deadline = time.monotonic() + 90
    while True:
        more, _, after = await poll_all(http, key, after=after)
        items.extend(more)
        if len(items) >= count or time.monotonic() > deadline:
            return items, after
        await asyncio.sleep(0.1)
