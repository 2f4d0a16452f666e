"""The debt-help import (R-BRP-4) through brp-check's API, and what it does to routing.

Issue 8, item 12: the import is authorised per municipality (its own key, or a token of its
debt-help staff or an admin), authenticated before the body is read, and audited.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import select
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.support.db import fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_events
from tests.support.signals import resident_signal
from vroeg.brp_check.api import IMPORT_MAX_BODY_BYTES
from vroeg.deploy.processes import Platform
from vroeg.shared.events import Route, SignalRouted
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED

JANSEN = "999990019"  # Piet Jansen of the demo population, resident of 0363
KEYS = {"0363": "sleutel-van-amsterdam-0363", "0518": "sleutel-van-den-haag-0518"}
PASSWORD = "geheim-wachtwoord"
USERS = [
    ("shv-0363", ["shv-professional"], ["0363"]),
    ("shv-0518", ["shv-professional"], ["0518"]),
    ("admin-0363", ["admin"], ["0363"]),
    ("reviewer-0363", ["reviewer"], ["0363"]),
]
REGISTER = {
    "registraties": [
        # A final decision long ago: on its own, this would not route him to debt help.
        {"bsn": JANSEN, "activeProduct": False, "finalDecisionOn": "2025-01-31"},
    ]
}


def start(make_platform: PlatformFactory, tmp_path: Path) -> Platform:
    """brp-check with one import key per municipality (as hashes) and the idp's accounts."""
    hashes = {code: hashlib.sha256(key.encode()).hexdigest() for code, key in KEYS.items()}
    platform = make_platform({"VROEG_DEBT_HELP_IMPORT_KEYS": json.dumps(hashes)})
    users = [
        {"username": u, "password": PASSWORD, "name": u.title(), "roles": r, "gemeenten": g}
        for u, r, g in USERS
    ]
    (tmp_path / "users.json").write_text(json.dumps(users))
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(tmp_path / "users.json")
    platform.start(["brp-standin", "idp-standin", "brp-check"])
    return platform


def bearer(platform: Platform, username: str) -> dict[str, str]:
    grant = {"grant_type": "password", "username": username, "password": PASSWORD}
    response = httpx.post(f"{platform['idp-standin'].url}/token", data=grant)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def url(platform: Platform, municipality: str = "0363") -> str:
    return f"{platform['brp-check'].url}/v1/schuldhulp/{municipality}/registraties"


async def imports(isolation: Isolation) -> list[dict[str, object]]:
    rows = await fetch(
        isolation.database_url,
        "SELECT municipality, actor, details, at FROM brp_check.audit_log"
        " WHERE action = 'debt-help.imported' ORDER BY id",
    )
    return [{**dict(r), "details": json.loads(r["details"])} for r in rows]


async def test_a_key_imports_only_its_own_municipalitys_register_and_is_audited(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = start(make_platform, tmp_path)
    amsterdam = {"X-Api-Key": KEYS["0363"]}
    imported = httpx.put(url(platform), json=REGISTER, headers=amsterdam)
    assert imported.json() == {"municipality": "0363", "count": 1}, imported.text
    for refused in (
        httpx.put(url(platform), json=REGISTER, headers={"X-Api-Key": KEYS["0518"]}),
        httpx.put(url(platform, "0599"), json=REGISTER, headers=amsterdam),  # no key of its own
        httpx.put(url(platform), json=REGISTER, headers={"X-Api-Key": "wrong"}),
        httpx.put(url(platform), json=REGISTER),
        # Not ASCII: compared as a hash, never as text, so a 401 and not a 500.
        httpx.put(url(platform), json=REGISTER, headers={"X-Api-Key": "sleutel-é".encode()}),
    ):
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    twice = {"registraties": REGISTER["registraties"] * 2}
    assert httpx.put(url(platform), json=twice, headers=amsterdam).status_code == 400

    # The administration's CSV export replaces the register the same way (semicolons, ja/nee,
    # a byte-order mark, as spreadsheets write it); in it Jansen has an active product, which
    # is what routes him to debt help below. The refused CSVs after it change nothing.
    csv_headers = {**amsterdam, "Content-Type": "text/csv"}
    export = (
        f"\ufeffbsn;activeProduct;finalDecisionOn\r\n{JANSEN};ja;2025-01-31\r\n999990032;nee;\r\n"
    )
    imported = httpx.put(url(platform), content=export.encode(), headers=csv_headers)
    assert imported.json() == {"municipality": "0363", "count": 2}, imported.text
    header = "bsn,activeProduct,finalDecisionOn\n"
    for bad, complaint in (
        ("bsn,active,decided\n", "header"),
        (f"{header}{JANSEN},true\n", "line 2"),
        (f"{header}{JANSEN},misschien,\n", "activeProduct"),
        (f"{header}12345,true,\n", "bsn"),
        (f"{header}{JANSEN},true,31-01-2025\n", "finalDecisionOn"),
        (f"{header}{JANSEN},true,{'x' * 200_000}\n", "cannot be read"),  # past csv's field limit
        (f"{header}{JANSEN},tr\x00ue,\n", "activeProduct"),
        ("\x00\x00\x00", "header"),
        ("", "empty"),
    ):
        refused = httpx.put(url(platform), content=bad.encode(), headers=csv_headers)
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert complaint in refused.text
    not_utf8 = httpx.put(url(platform), content=b"bsn\xff\xfe", headers=csv_headers)
    assert not_utf8.status_code == 400

    audited = await imports(isolation)
    assert [(a["municipality"], a["actor"], a["details"]) for a in audited] == [
        ("0363", "import-key:0363", {"imported": 1, "replaced": 0}),
        ("0363", "import-key:0363", {"imported": 2, "replaced": 1}),
    ]
    assert all(a["at"] is not None for a in audited)

    event = resident_signal(1)
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), [event])
    [routed] = await read_events(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.DEBT_HELP].name), expect=1
    )
    assert isinstance(routed, SignalRouted)
    assert routed.signal.signal_id == event.signal.signal_id
    assert routed.reasons == ("R-BRP-4: known to debt help",)


async def test_debt_help_staff_and_admins_import_for_their_own_municipality_only(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = start(make_platform, tmp_path)
    for username in ("shv-0363", "admin-0363"):
        imported = httpx.put(url(platform), json=REGISTER, headers=bearer(platform, username))
        assert imported.status_code == 200, imported.text
    for username, status in (("shv-0518", 403), ("reviewer-0363", 403)):
        refused = httpx.put(url(platform), json=REGISTER, headers=bearer(platform, username))
        assert refused.status_code == status, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    for token in ("not-a-token", "tøken-é"):
        headers = {"Authorization": f"Bearer {token}".encode()}
        refused = httpx.put(url(platform), json=REGISTER, headers=headers)
        assert refused.status_code == 401, refused.text
    audited = await imports(isolation)
    assert [(a["actor"], a["details"]) for a in audited] == [
        ("shv-0363", {"imported": 1, "replaced": 0}),
        ("admin-0363", {"imported": 1, "replaced": 1}),
    ]


async def test_a_large_body_is_refused_before_it_is_read(
    make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = start(make_platform, tmp_path)
    target = urlsplit(url(platform))
    assert target.hostname is not None
    assert target.port is not None
    address = (target.hostname, target.port)

    def send_a_little_and_read_the_answer(credentials: dict[str, str], announced: int) -> bytes:
        # 64 KiB of the 50 MiB announced: a server that reads the body before deciding never
        # answers (it waits for the rest); one that authenticates first answers at once.
        head = "".join(
            [
                f"PUT {target.path} HTTP/1.1\r\n",
                f"Host: {target.netloc}\r\n",
                "Content-Type: application/json\r\n",
                f"Content-Length: {announced}\r\n",
                *(f"{name}: {value}\r\n" for name, value in credentials.items()),
                "\r\n",
            ]
        )
        with socket.create_connection(address, timeout=60) as conn:
            conn.sendall(head.encode() + b"[" * 65536)
            return conn.recv(65536)

    for credentials in ({}, {"X-Api-Key": "wrong"}, {"X-Api-Key": KEYS["0518"]}):
        answer = await asyncio.to_thread(
            send_a_little_and_read_the_answer, credentials, 50 * 1024 * 1024
        )
        assert answer.startswith(b"HTTP/1.1 401 "), (credentials, answer[:200])
    # The municipality's own key, but more than the import's cap (96 MiB) announced: 413.
    answer = await asyncio.to_thread(
        send_a_little_and_read_the_answer, {"X-Api-Key": KEYS["0363"]}, 200 * 1024 * 1024
    )
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


async def test_a_chunked_body_past_the_cap_is_refused_while_it_streams_in(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    """Without a Content-Length the cap is counted as the chunks arrive (issue 8, item 15)."""
    platform = start(make_platform, tmp_path)
    amsterdam = {"X-Api-Key": KEYS["0363"]}
    assert httpx.put(url(platform), json=REGISTER, headers=amsterdam).status_code == 200
    target = urlsplit(url(platform))
    assert target.hostname is not None
    assert target.port is not None
    address = (target.hostname, target.port)
    chunk = b" " * (1024 * 1024)  # JSON whitespace: a body that only grows
    # Offered: three times the cap. A server that reads it all before deciding answers (400,
    # not JSON) only after the last chunk; one that counts as it reads answers past the cap.
    offered = 3 * IMPORT_MAX_BODY_BYTES // len(chunk)

    def stream_until_answered() -> tuple[int, bytes]:
        head = "".join(
            [
                f"PUT {target.path} HTTP/1.1\r\n",
                f"Host: {target.netloc}\r\n",
                "Content-Type: application/json\r\n",
                "Transfer-Encoding: chunked\r\n",
                *(f"{name}: {value}\r\n" for name, value in amsterdam.items()),
                "\r\n",
            ]
        )
        framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        with socket.create_connection(address, timeout=60) as conn:
            opening = b'{"registraties": ['
            conn.sendall(head.encode() + f"{len(opening):x}\r\n".encode() + opening + b"\r\n")
            for sent in range(offered):
                readable, _, _ = select.select([conn], [], [], 0)
                if readable:
                    return sent, conn.recv(65536)
                try:
                    conn.sendall(framed)
                except OSError:  # the server hung up after answering; the answer waits
                    break
            else:
                conn.sendall(b"0\r\n\r\n")
            return offered, conn.recv(65536)

    sent, answer = await asyncio.to_thread(stream_until_answered)
    assert answer.startswith(b"HTTP/1.1 413 "), (sent, answer[:300])
    assert b"application/problem+json" in answer.lower(), answer[:300]
    assert sent < offered, f"the server read all {sent} MiB before answering"

    # Nothing changed: the register and its audit are the first import's alone.
    assert [a["details"] for a in await imports(isolation)] == [{"imported": 1, "replaced": 0}]
    rows = await fetch(isolation.database_url, "SELECT bsn FROM brp_check.debt_help")
    assert [r["bsn"] for r in rows] == [JANSEN]
