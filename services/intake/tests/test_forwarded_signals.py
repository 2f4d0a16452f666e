"""The receiving end of a forward (Awb 2:3): `POST /v1/doorgestuurde-signalen` takes a signal
another municipality forwards, with its own key; the signal goes through this municipality's
own rules and keeps its provenance; the same forward twice is one signal; a creditor's key can
neither send nor read one."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.db import fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from tests.support.kafka import read_events
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import ServiceProcess
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY
from vroeg.shared.events import SignalReceived
from vroeg.shared.topics import SIGNAL_RECEIVED

ADMIN = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
ORIGINAL_RECEIPT = "2026-11-27T09:30:00+01:00"


@pytest.fixture
def intake(make_platform: PlatformFactory) -> ServiceProcess:
    """intake serving 0363; 0599 forwards to it."""
    platform = make_platform(served=("0363",))
    platform.start(["intake"])
    return platform["intake"]


@pytest.fixture
def forwarder(intake: ServiceProcess) -> dict[str, str]:
    """The key intake issued to municipality 0599, which forwards here."""
    issued = httpx.post(f"{intake.url}/v1/beheer/gemeenten/0599/sleutels", json={}, headers=ADMIN)
    issued.raise_for_status()
    return {"X-Api-Key": issued.json()["apiKey"]}


def forwarded(reference: str = "WS-1", **overrides: Any) -> dict[str, Any]:
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
    return {
        **body,
        "originalVlp": {"id": "woonstad", "type": "HUUR"},
        "originalReceivedAt": ORIGINAL_RECEIPT,
        **overrides,
    }


def post(intake: ServiceProcess, body: Any, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{intake.url}/v1/doorgestuurde-signalen", json=body, headers=headers)


async def test_a_forward_keeps_its_provenance_and_arrives_once_however_often_it_is_sent(
    intake: ServiceProcess, forwarder: dict[str, str], isolation: Isolation
) -> None:
    first = post(intake, forwarded(), forwarder)
    assert first.status_code == 201, first.text
    again = post(intake, forwarded(), forwarder)
    assert again.status_code == 200
    assert again.json() == first.json()

    [row] = await fetch(isolation.database_url, "SELECT * FROM intake.signals")
    assert (row["vlp_id"], row["vlp_reference"], row["forwarded_by"]) == (
        "woonstad",
        "WS-1",
        "0599",
    )
    assert row["original_received_at"].isoformat() == "2026-11-27T08:30:00+00:00"
    # Deadlines here count from this intake's own receipt (R-FU-1), not the original one.
    assert row["received_at"] > row["original_received_at"]
    [event] = await read_events(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=1)
    assert isinstance(event, SignalReceived)
    assert (event.signal.vlp_id, event.signal.forwarded_by) == ("woonstad", "0599")
    assert event.signal.received_at == row["received_at"]


async def test_a_forward_meets_this_municipalitys_own_rules(
    intake: ServiceProcess, forwarder: dict[str, str], isolation: Isolation
) -> None:
    policy = {"thresholds": {"HUUR": "10000"}}
    saved = httpx.put(f"{intake.url}/v1/beheer/gemeenten/0363/beleid", json=policy, headers=ADMIN)
    assert saved.status_code == 200
    below = post(intake, forwarded("WS-2"), forwarder)
    assert below.status_code == 201
    assert (below.json()["status"], below.json()["reason"]) == ("NIET_OPGEPAKT", "ONDER_DREMPEL")
    # R-IN-2 reads the attestations the creditor gave, under this municipality's policy.
    unattested = post(intake, forwarded("WS-3", socialCollection={}, amount="20000"), forwarder)
    assert (unattested.json()["status"], unattested.json()["reason"]) == (
        "NIET_OPGEPAKT",
        "SOCIALE_INCASSO",
    )
    # R-IN-8: a municipality this deployment does not serve.
    elsewhere = post(intake, forwarded("WS-4", municipality="0518"), forwarder)
    assert elsewhere.status_code == 422
    assert elsewhere.json()["code"] == "unknown-municipality"
    # R-IN-6: nothing beyond the allowed personal fields.
    extra = forwarded("WS-5", debtor={"geslachtsnaam": "Jansen", "bsn": "123456782"})
    assert post(intake, extra, forwarder).status_code == 400
    # A municipality does not forward to itself.
    to_self = httpx.post(f"{intake.url}/v1/beheer/gemeenten/0363/sleutels", json={}, headers=ADMIN)
    own = {"X-Api-Key": to_self.json()["apiKey"]}
    assert post(intake, forwarded("WS-6"), own).status_code == 422


@pytest.mark.parametrize(
    "broken",
    [
        {"originalReceivedAt": None},
        {"originalReceivedAt": "2026-11-27T09:30:00"},
        {"originalVlp": {"id": "Woonstad!", "type": "HUUR"}},
        {"originalVlp": None},
    ],
    ids=["no-receipt", "naive-receipt", "bad-creditor", "no-creditor"],
)
async def test_a_forward_without_its_provenance_is_a_400_problem_and_stores_nothing(
    intake: ServiceProcess,
    forwarder: dict[str, str],
    isolation: Isolation,
    broken: dict[str, Any],
) -> None:
    body = {k: v for k, v in {**forwarded(), **broken}.items() if v is not None}
    response = post(intake, body, forwarder)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await fetch(isolation.database_url, "SELECT id FROM intake.signals") == []


async def test_the_original_creditors_key_can_neither_forward_nor_read_a_forwarded_signal(
    intake: ServiceProcess, forwarder: dict[str, str], isolation: Isolation
) -> None:
    # The same creditor also delivers to this deployment directly, with its own key.
    creditor = {"X-Api-Key": await creditor_key(intake.url, ("woonstad", "HUUR"))}
    assert post(intake, forwarded(), creditor).status_code == 403
    signal_id = post(intake, forwarded(), forwarder).json()["id"]
    read = httpx.get(f"{intake.url}/v1/signalen/{signal_id}", headers=creditor)
    assert read.status_code == 404
    # Nor can the forwarder read it back as if it were a creditor.
    assert httpx.get(f"{intake.url}/v1/signalen/{signal_id}", headers=forwarder).status_code == 403
