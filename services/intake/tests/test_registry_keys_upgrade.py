"""Upgrading a deployment whose tenant registry kept its keys in plain text (before migration
0009): the stored keys are sealed as intake starts, and every entry stored before goes out
again on the compacted topic as `TenantChanged` v2, so the plain-text v1 record is replaced
there and in feedback's table."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import read_topic
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import TenantChanged
from vroeg.shared.migrations import upgrade_to
from vroeg.shared.registry_keys import Keyring
from vroeg.shared.topics import TENANTS

pytestmark = pytest.mark.infra

# A key another deployment gave this one, stored in plain text by intake before 0009.
PEER_KEY = "vroeg_fedcba9876543210.dXBncmFkZWQtZnJvbS1wbGFpbi10ZXh0LWtleXMtMDAwMDAw"


async def test_keys_stored_in_plain_text_are_sealed_and_their_entry_published_again(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    engine = create_async_engine(
        isolation.database_url, connect_args={"server_settings": {"search_path": "intake"}}
    )
    try:
        await upgrade_to(engine, "0008", schema="intake", script_location="vroeg.intake:migrations")
    finally:
        await engine.dispose()
    await execute(
        isolation.database_url,
        "INSERT INTO intake.tenants (municipality, served_here, intake_url, api_keys, changed_at) "
        "VALUES ('0599', false, 'https://vroeg.example.org/', $1::jsonb, now())",
        json.dumps({"0363": PEER_KEY}),
    )

    platform = make_platform(served=("0363",))
    platform.start(["intake"])

    stored = await fetch(
        isolation.database_url,
        "SELECT api_keys::text AS k FROM intake.tenants WHERE municipality = '0599'",
    )
    keyring = Keyring(platform.registry_secret_key)
    [sealed] = json.loads(stored[0]["k"]).values()
    assert PEER_KEY.split(".")[1] not in stored[0]["k"]
    assert keyring.open(sealed, destination="0599") == PEER_KEY

    # Published again, sealed, once intake's job has run; then the list is empty.
    records = await read_topic(isolation.kafka, isolation.topic(TENANTS.name), expect=2)
    changes = [
        event
        for record in records
        if isinstance(event := decode(record.headers, record.value), TenantChanged)
        and event.municipality == "0599"
    ]
    assert [keyring.open(c.sealed_api_keys["0363"], destination="0599") for c in changes] == [
        PEER_KEY
    ]
    assert all(PEER_KEY.split(".")[1].encode() not in (r.value or b"") for r in records)
    left = await eventually(
        lambda: fetch(isolation.database_url, "SELECT * FROM intake.registry_republish"),
        lambda rows: rows == [],
    )
    assert left == []
