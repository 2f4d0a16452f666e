"""intake's administration (issue 8, item 13): operators sign in with role `admin`, scoped by
their `gemeenten` where a thing is a municipality's; every change is audited; a revoked key
stops working at once."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import read_topic
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import Platform
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import AgreementChanged, CreditorKeyChanged, VlpType
from vroeg.shared.topics import AGREEMENTS, CREDITOR_KEYS

pytestmark = pytest.mark.usefixtures("isolation")


@pytest.fixture
def platform(make_platform: PlatformFactory) -> Platform:
    platform = make_platform(served=("0363", "0518"))
    platform.start(["idp-standin", "intake"])
    return platform


def signal(reference: str) -> dict[str, Any]:
    return signal_body(
        reference=reference,
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        geslachtsnaam="Jansen",
        geboortedatum=date(1980, 5, 1),
        postcode="1012AB",
        huisnummer=1,
        today=date.today(),
    )


async def cleanup_policy(bootstrap: str, topic: str) -> str:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        await admin.close()
    [resource] = response.resources
    return str(dict(entry[:2] for entry in resource[4])["cleanup.policy"])


async def audit_log(iso: Isolation) -> list[dict[str, Any]]:
    # Not the tenants the harness entered before the test (with the bootstrap key).
    rows = await fetch(
        iso.database_url,
        "SELECT actor, action, subject, details FROM intake.audit_log "
        "WHERE NOT (actor = 'bootstrap-admin-key' AND action = 'tenant-saved') ORDER BY id",
    )
    return [{**r, "details": json.loads(r["details"])} for r in rows]


async def test_an_operator_signs_in_with_role_admin_and_every_change_is_audited(
    platform: Platform, isolation: Isolation
) -> None:
    admin = staff_headers(platform, "admin-0363")
    beheer = f"{platform['intake'].url}/v1/beheer"
    creditor = {"id": "woonstad", "name": "Woonstad", "type": "HUUR"}
    assert httpx.post(f"{beheer}/vlps", json=creditor, headers=admin).status_code == 201
    agreement = httpx.put(
        f"{beheer}/vlps/woonstad/overeenkomsten/0363",
        json={"startsOn": "2024-01-01"},
        headers=admin,
    )
    assert agreement.status_code == 200, agreement.text
    issued = httpx.post(f"{beheer}/vlps/woonstad/sleutels", json={}, headers=admin)
    assert issued.status_code == 201
    api_key = issued.json()["apiKey"]
    policy = httpx.put(
        f"{beheer}/gemeenten/0363/beleid", json={"thresholds": {"HUUR": "50.00"}}, headers=admin
    )
    assert policy.status_code == 200
    delivered = httpx.post(
        f"{platform['intake'].url}/v1/signalen", json=signal("a"), headers={"X-Api-Key": api_key}
    )
    assert delivered.status_code == 201, delivered.text

    entries = await audit_log(isolation)
    [subject] = {e["actor"] for e in entries}
    assert subject.startswith("oidc:")
    assert [(e["action"], e["subject"]) for e in entries] == [
        ("creditor-registered", "woonstad"),
        ("agreement-saved", "woonstad/0363"),
        ("key-issued", issued.json()["keyId"]),
        ("policy-saved", "0363"),
    ]
    assert entries[3]["details"]["version"] == 1
    secret = api_key.partition(".")[2]
    assert secret not in str(entries)


async def test_an_operator_changes_only_their_own_municipalitys_things(
    platform: Platform, isolation: Isolation
) -> None:
    admin = staff_headers(platform, "admin-0363")
    beheer = f"{platform['intake'].url}/v1/beheer"
    httpx.post(
        f"{beheer}/vlps", json={"id": "woonstad", "name": "W", "type": "HUUR"}, headers=admin
    ).raise_for_status()
    refused = [
        httpx.put(
            f"{beheer}/vlps/woonstad/overeenkomsten/0518",
            json={"startsOn": "2024-01-01"},
            headers=admin,
        ),
        httpx.put(f"{beheer}/gemeenten/0518/beleid", json={}, headers=admin),
        httpx.get(f"{beheer}/gemeenten/0518/beleid", headers=admin),
        httpx.post(f"{beheer}/gemeenten/0518/sleutels", json={}, headers=admin),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert [e["action"] for e in await audit_log(isolation)] == ["creditor-registered"]


@pytest.mark.parametrize(
    ("account", "status"), [("reviewer-0363", 403), ("analyst-0363", 403), (None, 401)]
)
async def test_anyone_without_role_admin_is_refused(
    platform: Platform, isolation: Isolation, account: str | None, status: int
) -> None:
    headers = staff_headers(platform, account) if account else {"Authorization": "Bearer x.y.z"}
    response = httpx.post(
        f"{platform['intake'].url}/v1/beheer/vlps",
        json={"id": "woonstad", "name": "W", "type": "HUUR"},
        headers=headers,
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert await audit_log(isolation) == []


async def test_a_revoked_key_is_refused_at_once_and_the_revocation_audited(
    platform: Platform, isolation: Isolation
) -> None:
    admin = staff_headers(platform, "admin-0363")
    intake = platform["intake"].url
    httpx.post(
        f"{intake}/v1/beheer/vlps",
        json={"id": "woonstad", "name": "W", "type": "HUUR"},
        headers=admin,
    ).raise_for_status()
    httpx.put(
        f"{intake}/v1/beheer/vlps/woonstad/overeenkomsten/0363",
        json={"startsOn": "2024-01-01"},
        headers=admin,
    ).raise_for_status()
    issued = httpx.post(f"{intake}/v1/beheer/vlps/woonstad/sleutels", json={}, headers=admin).json()
    key = {"X-Api-Key": issued["apiKey"]}
    # Used once, so the process holds it among its verified keys.
    assert httpx.post(f"{intake}/v1/signalen", json=signal("a"), headers=key).status_code == 201
    revoked = httpx.delete(f"{intake}/v1/beheer/sleutels/{issued['keyId']}", headers=admin)
    assert revoked.status_code == 204
    after = httpx.post(f"{intake}/v1/signalen", json=signal("b"), headers=key)
    assert after.status_code == 401
    assert httpx.get(f"{intake}/v1/signalen/batches/{'0' * 32}", headers=key).status_code == 401
    unknown = httpx.delete(f"{intake}/v1/beheer/sleutels/{'f' * 16}", headers=admin)
    assert unknown.status_code == 404
    [*_, entry] = await audit_log(isolation)
    assert (entry["action"], entry["subject"]) == ("key-revoked", issued["keyId"])
    assert entry["details"] == {"holderKind": "VLP", "holder": "woonstad"}


async def test_key_events_land_on_their_topic_and_a_revocation_reaches_feedback(
    make_platform: PlatformFactory, isolation: Isolation
) -> None:
    platform = make_platform()
    platform.start(["idp-standin", "intake", "feedback"])
    admin = staff_headers(platform, "admin-0363")
    intake = platform["intake"].url
    httpx.post(
        f"{intake}/v1/beheer/vlps",
        json={"id": "woonstad", "name": "W", "type": "HUUR"},
        headers=admin,
    ).raise_for_status()
    issued = httpx.post(
        f"{intake}/v1/beheer/vlps/woonstad/sleutels",
        json={"clientCertSha256": "ab" * 32},
        headers=admin,
    ).json()
    httpx.delete(f"{intake}/v1/beheer/sleutels/{issued['keyId']}", headers=admin).raise_for_status()

    topic = isolation.topic(CREDITOR_KEYS.name)
    records = await read_topic(isolation.kafka, topic, expect=2)
    secret = issued["apiKey"].partition(".")[2]
    assert all(secret.encode() not in r.value for r in records)
    assert {r.key for r in records} == {issued["keyId"].encode()}
    events = [decode(r.headers, r.value) for r in records]
    first, last = events
    assert isinstance(first, CreditorKeyChanged)
    assert isinstance(last, CreditorKeyChanged)
    assert (first.holder_id, first.vlp_type, first.client_cert_sha256) == (
        "woonstad",
        VlpType.HUUR,
        "ab" * 32,
    )
    assert (first.revoked_at is None, last.revoked_at is not None) == (True, True)
    assert await cleanup_policy(isolation.kafka, topic) == "compact"

    rows = await eventually(
        lambda: fetch(
            isolation.database_url,
            "SELECT key_id, holder_id, revoked_at FROM feedback.creditor_keys",
        ),
        lambda rows: bool(rows) and rows[0]["revoked_at"] is not None,
    )
    assert [(r["key_id"], r["holder_id"]) for r in rows] == [(issued["keyId"], "woonstad")]
    assert rows[0]["revoked_at"] is not None


async def test_agreements_saved_ended_and_deleted_are_told_on_their_topic_and_reach_reporting(
    make_platform: PlatformFactory, isolation: Isolation
) -> None:
    platform = make_platform(served=("0363", "0518"))
    platform.start(["idp-standin", "intake", "reporting"])
    admin = staff_headers(platform, "admin-0363")
    beheer = f"{platform['intake'].url}/v1/beheer"
    httpx.post(
        f"{beheer}/vlps",
        json={"id": "vitens", "name": "Vitens", "type": "DRINKWATER"},
        headers=admin,
    ).raise_for_status()
    agreement = f"{beheer}/vlps/vitens/overeenkomsten/0363"
    for body in ({"startsOn": "2024-01-01"}, {"startsOn": "2024-01-01", "endsOn": "2025-06-30"}):
        httpx.put(agreement, json=body, headers=admin).raise_for_status()
    assert httpx.delete(agreement, headers=admin).status_code == 204
    # Gone: deleting it again, or another's, or one of a creditor nobody knows, finds nothing.
    for path, status in (
        (agreement, 404),
        (f"{beheer}/vlps/nobody/overeenkomsten/0363", 404),
        (f"{beheer}/vlps/vitens/overeenkomsten/0518", 403),
    ):
        refused = httpx.delete(path, headers=admin)
        assert refused.status_code == status
        assert refused.headers["content-type"] == "application/problem+json"

    topic = isolation.topic(AGREEMENTS.name)
    records = await read_topic(isolation.kafka, topic, expect=3)
    assert {r.key for r in records} == {b"vitens/0363"}
    events = [e for r in records if isinstance(e := decode(r.headers, r.value), AgreementChanged)]
    told = [(e.starts_on, e.ends_on, e.removed, e.vlp_type) for e in events]
    assert told == [
        (date(2024, 1, 1), None, False, VlpType.DRINKWATER),
        (date(2024, 1, 1), date(2025, 6, 30), False, VlpType.DRINKWATER),
        (date(2024, 1, 1), date(2025, 6, 30), True, VlpType.DRINKWATER),
    ]
    assert await cleanup_policy(isolation.kafka, topic) == "compact"
    assert [e["action"] for e in await audit_log(isolation)][-1] == "agreement-deleted"

    rows = await eventually(
        lambda: fetch(
            isolation.database_url,
            "SELECT vlp_id, municipality, vlp_type, ends_on, removed FROM reporting.agreements",
        ),
        lambda rows: bool(rows) and rows[0]["removed"],
    )
    assert [(r["vlp_id"], r["municipality"], r["vlp_type"], r["ends_on"]) for r in rows] == [
        ("vitens", "0363", "DRINKWATER", date(2025, 6, 30))
    ]
