"""brp-check reaches a BRP gateway that demands mutual TLS and an OAuth2 token, with real
certificates: a CA of the test's own, a server certificate for 127.0.0.1, a client certificate
for the municipality."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from tests.support.db import eventually
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_events
from tests.support.pki import make_pki
from tests.support.signals import resident_signal
from vroeg.deploy.processes import BRP_BASE_PATH
from vroeg.shared.events import Route
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, str]:
    """A CA, the gateway's server certificate and the municipality's client certificate."""
    return make_pki(tmp_path, client="gemeente-0363")


async def test_over_mutual_tls_with_a_token_signals_are_routed_and_strangers_are_refused(
    isolation: Isolation, make_platform: PlatformFactory, pki: dict[str, str]
) -> None:
    platform = make_platform()
    brp, check = platform["brp-standin"], platform["brp-check"]
    gateway = f"https://127.0.0.1:{brp.port}"
    brp.env.update(
        {
            "VROEG_TLS_CERT": pki["server_cert"],
            "VROEG_TLS_KEY": pki["server_key"],
            "VROEG_TLS_CLIENT_CA": pki["ca"],
            "VROEG_BRP_OAUTH_CLIENTS": "gemeente-0363:s3cret",
        }
    )
    check.env.update(
        {
            "BRP_BASE_URL": f"{gateway}{BRP_BASE_PATH}",
            "BRP_OAUTH_TOKEN_URL": f"{gateway}/oauth/token",
            "BRP_OAUTH_CLIENT_ID": "gemeente-0363",
            "BRP_OAUTH_CLIENT_SECRET": "s3cret",
            "BRP_CA_BUNDLE": pki["ca"],
            "BRP_CLIENT_CERT": pki["client_cert"],
            "BRP_CLIENT_KEY": pki["client_key"],
        }
    )
    brp.start()
    trusted = ssl.create_default_context(cafile=pki["ca"])
    trusted.load_cert_chain(pki["client_cert"], pki["client_key"])

    async def health() -> int:
        try:
            async with httpx.AsyncClient(verify=trusted) as http:
                return (await http.get(f"{gateway}/health")).status_code
        except httpx.HTTPError:
            return 0

    assert await eventually(health, lambda status: status == 200, timeout=60) == 200
    # Without a client certificate the gateway does not finish the handshake.
    stranger = ssl.create_default_context(cafile=pki["ca"])
    with pytest.raises(httpx.HTTPError):
        async with httpx.AsyncClient(verify=stranger) as http:
            await http.get(f"{gateway}/health")

    platform.start(["brp-check"])
    event = resident_signal(1)
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), [event])
    routed = await read_events(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=1
    )
    assert [e.signal.signal_id for e in routed] == [event.signal.signal_id]  # type: ignore[attr-defined]
