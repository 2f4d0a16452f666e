"""The tenant registry (domain §10): the municipalities a deployment serves are data an operator
edits under `/v1/beheer/gemeenten/{gemeente}`, not configuration; a municipality entered is
served at once by the running intake (R-IN-8), and every other service learns it from the
compacted `TenantChanged` topic. The keys presented at other deployments are write-only."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.db import fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import read_topic
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import Platform
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY, register_creditor
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import TenantChanged
from vroeg.shared.registry_keys import Keyring
from vroeg.shared.topics import TENANTS

pytestmark = pytest.mark.usefixtures("isolation")

# A key of the shape intake issues (what another deployment would have given this one).
PEER_KEY = "vroeg_0123456789abcdef.Zm9yd2FyZGluZy1rZXktZm9yLWEtdGVzdC0xMjM0NTY"


@pytest.fixture
def platform(make_platform: PlatformFactory) -> Platform:
    platform = make_platform(served=("0363",))
    platform.start(["idp-standin", "intake"])
    return platform


def signal(reference: str, municipality: str) -> dict[str, Any]:
    body = signal_body(
        reference=reference,
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        geslachtsnaam="Jansen",
        geboortedatum=date(1980, 5, 1),
        postcode="1012AB",
        huisnummer=1,
        today=date.today(),
    )
    return {**body, "municipality": municipality}


def registry(platform: Platform, municipality: str = "") -> str:
    path = f"/{municipality}" if municipality else ""
    return f"{platform['intake'].url}/v1/beheer/gemeenten{path}"


async def test_a_municipality_entered_in_the_registry_is_served_at_once_without_a_restart(
    platform: Platform, isolation: Isolation
) -> None:
    intake = platform["intake"]
    async with httpx.AsyncClient(base_url=intake.url) as http:
        key = await register_creditor(http, "woonstad", "HUUR", municipalities=("0363", "0518"))
    creditor = {"X-Api-Key": key}
    before = httpx.post(f"{intake.url}/v1/signalen", json=signal("a", "0518"), headers=creditor)
    assert before.status_code == 422
    assert before.json()["code"] == "unknown-municipality"

    pid = intake.popen.pid if intake.popen else None
    entered = httpx.put(
        registry(platform, "0518"),
        json={"servedHere": True},
        headers=staff_headers(platform, "admin-0518"),
    )
    assert entered.status_code == 200, entered.text
    assert entered.json()["servedHere"] is True

    after = httpx.post(f"{intake.url}/v1/signalen", json=signal("b", "0518"), headers=creditor)
    assert after.status_code == 201, after.text
    assert intake.popen is not None
    assert intake.popen.pid == pid, "no restart"

    removed = httpx.delete(
        registry(platform, "0518"), headers=staff_headers(platform, "admin-0518")
    )
    assert removed.status_code == 204
    gone = httpx.post(f"{intake.url}/v1/signalen", json=signal("c", "0518"), headers=creditor)
    assert gone.status_code == 422

    # Every other service learns each change from the compacted topic, oldest first.
    records = await read_topic(isolation.kafka, isolation.topic(TENANTS.name), expect=3)
    changes = [decode(record.headers, record.value) for record in records]
    assert all(isinstance(change, TenantChanged) for change in changes)
    # One municipality's changes share a partition, so they are read in order.
    assert sorted((c.municipality, c.served_here, c.removed) for c in changes) == [
        ("0363", True, False),
        ("0518", False, True),
        ("0518", True, False),
    ]
    the_hague = [c for c in changes if c.municipality == "0518"]
    assert [c.removed for c in the_hague] == [False, True]


def test_a_municipality_is_entered_by_its_own_operator_and_one_elsewhere_by_the_deployments(
    platform: Platform,
) -> None:
    served = {"servedHere": True}
    elsewhere = {"servedHere": False, "intakeUrl": "http://127.0.0.1:1/"}
    amsterdam = staff_headers(platform, "admin-0363")
    the_hague = staff_headers(platform, "admin-0518")
    centre = staff_headers(platform, "admin-ssc")

    # Amsterdam's operator cannot make this deployment serve The Hague.
    assert httpx.put(registry(platform, "0518"), json=served, headers=amsterdam).status_code == 403
    assert httpx.put(registry(platform, "0518"), json=served, headers=the_hague).status_code == 200
    # Where another municipality is served (where personal data goes) is for an operator of
    # every municipality served here: not The Hague's alone, the centre's.
    assert (
        httpx.put(registry(platform, "0599"), json=elsewhere, headers=the_hague).status_code == 403
    )
    assert httpx.put(registry(platform, "0599"), json=elsewhere, headers=centre).status_code == 200
    assert httpx.delete(registry(platform, "0599"), headers=amsterdam).status_code == 403
    # Without role admin: no entry.
    reviewer = staff_headers(platform, "reviewer-0363")
    assert httpx.get(registry(platform), headers=reviewer).status_code == 403


async def test_the_keys_presented_elsewhere_are_write_only_and_never_audited_or_logged(
    platform: Platform, isolation: Isolation
) -> None:
    admin = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
    body = {
        "servedHere": False,
        "intakeUrl": "http://127.0.0.1:1/",
        "apiKeys": {"0363": PEER_KEY},
    }
    saved = httpx.put(registry(platform, "0599"), json=body, headers=admin)
    assert saved.status_code == 200, saved.text
    listed = httpx.get(registry(platform), headers=admin)
    one = httpx.get(registry(platform, "0599"), headers=admin)
    for response in (saved, listed, one):
        assert PEER_KEY not in response.text
        assert PEER_KEY.split(".")[1] not in response.text
    assert one.json()["apiKeysFor"] == ["0363"]
    assert [e["municipality"] for e in listed.json()] == ["0363", "0599"]

    audit = await fetch(
        isolation.database_url,
        "SELECT subject, details FROM intake.audit_log WHERE subject = '0599'",
    )
    assert [(a["subject"], json.loads(a["details"])["apiKeysFor"]) for a in audit] == [
        ("0599", ["0363"])
    ]
    assert all(PEER_KEY not in a["details"] for a in audit)
    assert PEER_KEY.split(".")[1] not in platform["intake"].tail(200_000)


async def test_the_keys_never_travel_in_plain_text_on_the_registrys_topic_nor_sit_in_its_table(
    platform: Platform, isolation: Isolation
) -> None:
    admin = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
    body = {"servedHere": False, "intakeUrl": "http://127.0.0.1:1/", "apiKeys": {"0363": PEER_KEY}}
    assert httpx.put(registry(platform, "0599"), json=body, headers=admin).status_code == 200

    # The bytes on the compacted topic (kept for ever, copied into dead letters): 0363 entered
    # at start, then 0599.
    records = await read_topic(isolation.kafka, isolation.topic(TENANTS.name), expect=2)
    raw = b"".join(
        (record.key or b"") + (record.value or b"") + b"".join(v for _, v in record.headers)
        for record in records
    )
    assert PEER_KEY.split(".")[1].encode() not in raw
    assert PEER_KEY.split(".")[0].encode() not in raw
    [change] = [
        event
        for record in records
        if isinstance(event := decode(record.headers, record.value), TenantChanged)
        and event.municipality == "0599"
    ]
    # Sealed with the key only intake and feedback hold: there it opens, to the key itself.
    sealed = change.sealed_api_keys["0363"]
    assert Keyring(platform.registry_secret_key).open(sealed, destination="0599") == PEER_KEY
    stored = await fetch(isolation.database_url, "SELECT api_keys::text AS k FROM intake.tenants")
    assert len(stored) == 2
    assert all(PEER_KEY.split(".")[1] not in row["k"] for row in stored)


def test_an_entry_saved_without_its_keys_keeps_them_and_an_empty_or_null_set_removes_them(
    platform: Platform,
) -> None:
    admin = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
    entry = {"servedHere": False, "intakeUrl": "http://127.0.0.1:1/"}

    def save(body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.put(registry(platform, "0599"), json=body, headers=admin)
        assert response.status_code == 200, response.text
        return dict(response.json())

    assert save({**entry, "apiKeys": {"0363": PEER_KEY}})["apiKeysFor"] == ["0363"]
    # A new address, the keys not sent (the web page cannot show them): kept.
    moved = save({**entry, "intakeUrl": "http://127.0.0.1:2/"})
    assert (moved["intakeUrl"], moved["apiKeysFor"]) == ("http://127.0.0.1:2/", ["0363"])
    assert save({**entry, "apiKeys": {}})["apiKeysFor"] == []
    assert save({**entry, "apiKeys": {"0363": PEER_KEY}})["apiKeysFor"] == ["0363"]
    assert save({**entry, "apiKeys": None})["apiKeysFor"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"servedHere": False}, "intakeUrl"),
        ({"servedHere": False, "intakeUrl": "ftp://elsewhere/"}, "intakeUrl"),
        ({"servedHere": True, "apiKeys": {"0363": "not-a-key"}}, "apiKeys.0363"),
        (
            {"servedHere": True, "caCertificate": "-----BEGIN CERTIFICATE-----\nnot one\n"},
            "caCertificate",
        ),
        ({"servedHere": True, "caCertificate": ""}, "caCertificate"),
        ({"servedHere": True, "caCertificate": "\ud817\udecdZ\u00e1r}"}, "caCertificate"),
        ({"servedHere": "yes please"}, "servedHere"),
    ],
    ids=[
        "elsewhere-without-url",
        "not-http",
        "bad-key",
        "bad-certificate",
        "empty",
        "not-ascii",
        "not-bool",
    ],
)
def test_a_bad_entry_is_a_400_problem_naming_its_field_and_changes_nothing(
    platform: Platform, body: dict[str, Any], field: str
) -> None:
    admin = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
    # As JSON escapes (a lone surrogate cannot be sent as UTF-8).
    sent = {**admin, "Content-Type": "application/json"}
    response = httpx.put(registry(platform, "0599"), content=json.dumps(body), headers=sent)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    # The field, as the schema's own 400s name theirs (a form marks it); never the value.
    assert [p["name"] for p in response.json()["invalidParams"]] == [field]
    assert "not-a-key" not in response.text
    assert httpx.get(registry(platform, "0599"), headers=admin).status_code == 404


def test_any_staff_member_reads_which_of_their_municipalities_are_served_here(
    platform: Platform,
) -> None:
    """`GET /v1/gemeenten`: the caller's claim less what the registry does not serve (the web
    app's municipality switch offers only those), at once when the registry changes."""
    served = f"{platform['intake'].url}/v1/gemeenten"

    def of(account: str) -> list[str]:
        response = httpx.get(served, headers=staff_headers(platform, account))
        assert response.status_code == 200, response.text
        municipalities: list[str] = response.json()["municipalities"]
        return municipalities

    # reviewer-ssc works for 0363 and 0518; only 0363 is served here.
    assert of("reviewer-ssc") == ["0363"]
    assert of("reviewer-0518") == []
    entered = httpx.put(
        registry(platform, "0518"),
        json={"servedHere": True},
        headers=staff_headers(platform, "admin-0518"),
    )
    assert entered.status_code == 200, entered.text
    assert of("reviewer-ssc") == ["0363", "0518"]
    assert of("analyst-0363") == ["0363"]
    refused = httpx.get(served)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
