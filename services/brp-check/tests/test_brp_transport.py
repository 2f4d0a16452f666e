"""How brp-check reaches the BRP: OAuth2 client credentials against a gateway, and the breaker."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiohttp import web

from tests.support.brp import brp_answering
from tests.support.db import eventually
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_events
from tests.support.signals import resident_signal
from vroeg.brp_check.brp_transport import CircuitBreaker
from vroeg.shared.events import Route
from vroeg.shared.messaging.consumer import DependencyUnavailable
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED

OAUTH = {
    "BRP_OAUTH_CLIENT_ID": "gemeente-0363",
    "BRP_OAUTH_SCOPE": "brp-personen",
    "VROEG_BRP_OAUTH_CLIENTS": "gemeente-0363:s3cret",
}


async def test_with_client_credentials_the_gateway_answers_and_signals_are_routed(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform({**OAUTH, "BRP_OAUTH_CLIENT_SECRET": "s3cret"})
    brp = platform["brp-standin"]
    platform["brp-check"].env["BRP_OAUTH_TOKEN_URL"] = f"{brp.url}/oauth/token"
    platform.start(["brp-standin", "brp-check"])
    assert httpx.post(f"{brp.url}/haalcentraal/api/brp/personen", json={}).status_code == 401

    event = resident_signal(1)
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), [event])
    routed = await read_events(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=1
    )
    assert [e.signal.signal_id for e in routed] == [event.signal.signal_id]  # type: ignore[attr-defined]


async def test_with_a_wrong_secret_signals_wait_and_readiness_says_so(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform({**OAUTH, "BRP_OAUTH_CLIENT_SECRET": "wrong"})
    brp, check = platform["brp-standin"], platform["brp-check"]
    check.env["BRP_OAUTH_TOKEN_URL"] = f"{brp.url}/oauth/token"
    platform.start(["brp-standin", "brp-check"])
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), [resident_signal(2)])

    ready = await eventually(
        lambda: asyncio.to_thread(httpx.get, f"{check.url}/ready"),
        lambda r: r.json()["details"]["consumer"]["waitingOn"] is not None,
    )
    assert ready.status_code == 200  # brp-check's own API needs no BRP
    assert "token endpoint answered 401" in ready.json()["details"]["consumer"]["waitingOn"]
    for route in (Route.RESIDENT, Route.REVIEW):
        assert (
            await read_events(
                isolation.kafka, isolation.topic(ROUTE_TOPICS[route].name), expect=0, timeout=1
            )
            == []
        )


class Tokens:
    """Tokens the gateway issued, the latest current (a `network.Token`)."""

    def __init__(self) -> None:
        self.issued = 1

    async def current(self) -> str:
        return f"token-{self.issued}"

    def forget(self) -> None:
        self.issued += 1


async def test_a_token_the_gateway_refuses_is_renewed_once_and_the_query_goes_again() -> None:
    seen: list[str] = []
    valid = "Bearer token-2"  # the gateway revoked the first, before it expired

    async def gateway(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != valid:
            return web.Response(status=401)
        return web.json_response({"type": "RaadpleegMetBurgerservicenummer", "personen": []})

    tokens = Tokens()
    async with brp_answering(gateway, token=tokens) as brp:
        assert await brp.persons(["999993653"]) == {}
        assert seen == ["Bearer token-1", "Bearer token-2"]
        valid = "Bearer token-9"  # refuses the fresh token too: once, then an outage
        with pytest.raises(DependencyUnavailable, match="401"):
            await brp.persons(["999993653"])
    assert seen[2:] == ["Bearer token-2", "Bearer token-3"]


async def test_the_breaker_stops_calling_a_failing_brp_and_tries_again_after_the_cooldown() -> None:
    calls = 0

    async def down(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(status=503)

    async with brp_answering(down, CircuitBreaker(threshold=3, cooldown_s=0.2)) as client:
        signal = resident_signal(3).signal
        for _ in range(10):
            with pytest.raises(DependencyUnavailable):
                await client.find(signal)
        assert calls == 3  # then open: no request leaves
        await asyncio.sleep(0.25)
        with pytest.raises(DependencyUnavailable):
            await client.find(signal)
        assert calls == 4  # half-open: one try
