"""Forwarding in the cross-service tests (Awb 2:3): Kees Bakker, whom the BRP stand-in
registers in Rotterdam (0599), delivered to Amsterdam (0363); what each side keeps of it."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, staff_headers
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import Platform
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY

ADMIN = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
PROCESSES = ["idp-standin", "brp-standin", "intake", "brp-check", "feedback"]
# Retries come quickly in the tests (production: up to 5 minutes apart).
FAST_RETRIES = {"VROEG_FORWARDING_MAX_BACKOFF_S": "1", "VROEG_FORWARDING_INTERVAL_S": "0.2"}

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


def deliver(platform: Platform, key: str) -> str:
    """The creditor delivers Bakker's signal to 0363; its id there."""
    response = httpx.post(
        f"{platform['intake'].url}/v1/signalen", json=BAKKER, headers={"X-Api-Key": key}
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
) -> None:
    """In `platform`'s registry, 0599 is reached at `intake_url` (its feedback, if given, at
    `feedback_url`) with the key the receiving deployment's intake (`issuer`, by default that
    one) issues to 0363."""
    issued = httpx.post(
        f"{issuer or intake_url}/v1/beheer/gemeenten/0363/sleutels", json={}, headers=ADMIN
    )
    issued.raise_for_status()
    entry = {
        "servedHere": served_here,
        "intakeUrl": intake_url,
        "apiKeys": {"0363": issued.json()["apiKey"]},
    }
    if feedback_url is not None:
        entry["feedbackUrl"] = feedback_url
    saved = httpx.put(
        f"{platform['intake'].url}/v1/beheer/gemeenten/0599", json=entry, headers=ADMIN
    )
    assert saved.status_code == 200, saved.text


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
