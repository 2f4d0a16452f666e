"""Keys bound to a client certificate, behind a mutual-TLS proxy (issue 8, item 11).

The proxy passes the verified certificate's SHA-256 in `X-Client-Cert-Sha256`; the header is
believed only from `VROEG_TRUSTED_PROXIES`. The tests connect from 127.0.0.1 and, as the
proxy, from 127.0.0.2 (any 127/8 address is this machine).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.db import fetch
from tests.support.fixtures import Isolation, PlatformFactory
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import ServiceProcess
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY

ADMIN = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
FINGERPRINT = "ab" * 32
PROXY = "127.0.0.2"


@pytest.fixture
def intake(make_platform: PlatformFactory) -> ServiceProcess:
    platform = make_platform({"VROEG_TRUSTED_PROXIES": f"{PROXY}/32,10.0.0.0/8"})
    platform.start(["intake"])
    return platform["intake"]


def water(reference: str) -> dict[str, Any]:
    return signal_body(
        reference=reference,
        kind="VROEGSIGNAAL",
        arrears_type="DRINKWATER",
        geslachtsnaam="Jansen",
        geboortedatum=date(1980, 5, 1),
        postcode="1012AB",
        huisnummer=1,
        today=date.today(),
    )


def register(intake: ServiceProcess, **key: str) -> str:
    """A water company with an agreement for 0363; a new key (bound as `key` says)."""
    httpx.post(
        f"{intake.url}/v1/beheer/vlps",
        headers=ADMIN,
        json={"id": "evides", "name": "Evides", "type": "DRINKWATER"},
    ).raise_for_status()
    httpx.put(
        f"{intake.url}/v1/beheer/vlps/evides/overeenkomsten/0363",
        headers=ADMIN,
        json={"startsOn": "2024-01-01"},
    ).raise_for_status()
    issued: str = httpx.post(
        f"{intake.url}/v1/beheer/vlps/evides/sleutels", headers=ADMIN, json=key
    ).json()["apiKey"]
    return issued


def via_proxy() -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=PROXY))


async def test_a_bound_key_works_only_with_its_certificate_as_the_trusted_proxy_states_it(
    intake: ServiceProcess, isolation: Isolation
) -> None:
    bound = register(intake, clientCertSha256=":".join(["AB"] * 32))
    url = f"{intake.url}/v1/signalen"
    with via_proxy() as proxy:
        without = proxy.post(url, json=water("a"), headers={"X-Api-Key": bound})
        wrong = proxy.post(
            url,
            json=water("b"),
            headers={"X-Api-Key": bound, "X-Client-Cert-Sha256": "cd" * 32},
        )
        right = proxy.post(
            url,
            json=water("c"),
            headers={"X-Api-Key": bound, "X-Client-Cert-Sha256": FINGERPRINT},
        )
    assert (without.status_code, wrong.status_code, right.status_code) == (401, 401, 201)
    rows = await fetch(isolation.database_url, "SELECT vlp_reference FROM intake.signals")
    assert [r["vlp_reference"] for r in rows] == ["c"]


@pytest.mark.parametrize(
    ("from_proxy", "headers"),
    [
        (False, [("X-Client-Cert-Sha256", FINGERPRINT)]),
        (False, [("X-Client-Cert-Sha256", FINGERPRINT), ("X-Forwarded-For", PROXY)]),
        (True, [("X-Client-Cert-Sha256", FINGERPRINT), ("X-Client-Cert-Sha256", FINGERPRINT)]),
        (True, [("X-Client-Cert-Sha256", f"{FINGERPRINT}, {FINGERPRINT}")]),
    ],
    ids=["not-from-the-proxy", "forwarded-for-spoofed", "sent-twice", "folded-twice"],
)
async def test_a_certificate_header_not_from_the_trusted_proxy_or_sent_twice_is_refused(
    intake: ServiceProcess,
    isolation: Isolation,
    from_proxy: bool,
    headers: list[tuple[str, str]],
) -> None:
    bound = register(intake, clientCertSha256=FINGERPRINT)
    with via_proxy() if from_proxy else httpx.Client() as http:
        response = http.post(
            f"{intake.url}/v1/signalen",
            json=water("a"),
            headers=[("X-Api-Key", bound), *headers],
        )
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "X-Client-Cert-Sha256" in response.json()["detail"]
    assert await fetch(isolation.database_url, "SELECT id FROM intake.signals") == []
