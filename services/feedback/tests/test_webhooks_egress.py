"""Where a delivery may go (SSRF): at each send the endpoint's name is resolved, every address
checked (in production only public ones), and the connection made to the address checked —
the name only in `Host` and SNI — so a name that resolves elsewhere a moment later (DNS
rebinding) reaches nothing unchecked. The resolver is the test's; the endpoint a mock
transport that records what would have gone out."""

from __future__ import annotations

import socket
from collections.abc import Sequence

import httpx

from vroeg.feedback.webhooks.egress import Egress, Resolver

URL = "https://incasso.example.nl:8443/vroeg?klant=7"
PUBLIC = "93.184.216.34"


class Endpoint:
    """What reached the endpoint."""

    def __init__(self, *unreachable: str) -> None:
        self.requests: list[httpx.Request] = []
        self.unreachable = set(unreachable)

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in self.unreachable:
            raise httpx.ConnectError("unreachable", request=request)
        self.requests.append(request)
        return httpx.Response(204)

    async def post(
        self, resolver: Resolver | None, *, public_only: bool, url: str = URL
    ) -> tuple[int | None, str | None]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(self.answer)) as http:
            egress = (
                Egress(http, 5.0, public_only)
                if resolver is None
                else Egress(http, 5.0, public_only, resolver)
            )
            return await egress.post(url, b'{"feedbackType": "NIET_OPGEPAKT"}', {"webhook-id": "x"})


def resolving(*answers: Sequence[str]) -> tuple[Resolver, list[tuple[str, int]]]:
    """A resolver that gives each answer in turn (a name that changes where it leads)."""
    asked: list[tuple[str, int]] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        asked.append((host, port))
        return answers[min(len(asked), len(answers)) - 1]

    return resolve, asked


async def test_the_connection_goes_to_the_address_checked_with_the_name_in_host_and_sni() -> None:
    endpoint = Endpoint()
    resolver, asked = resolving([PUBLIC])
    assert await endpoint.post(resolver, public_only=True) == (204, None)
    assert asked == [("incasso.example.nl", 8443)]
    [sent] = endpoint.requests
    assert (sent.url.host, sent.url.port, sent.url.path) == (PUBLIC, 8443, "/vroeg")
    assert sent.url.query == b"klant=7"
    assert sent.headers["host"] == "incasso.example.nl:8443"
    assert sent.extensions["sni_hostname"] == "incasso.example.nl"
    assert sent.headers["webhook-id"] == "x"
    assert sent.content == b'{"feedbackType": "NIET_OPGEPAKT"}'


async def test_in_production_a_name_that_leads_inside_the_network_is_refused_at_each_send() -> None:
    endpoint = Endpoint()
    # Public when it was checked once, the metadata service's address the next time.
    resolver, asked = resolving([PUBLIC], ["169.254.169.254"], [PUBLIC, "10.0.0.7"])
    assert (await endpoint.post(resolver, public_only=True))[0] == 204
    for _ in range(2):
        status, error = await endpoint.post(resolver, public_only=True)
        assert status is None
        assert error == "refused: the host name resolves to an address that is not public"
    assert len(asked) == 3
    assert [r.url.host for r in endpoint.requests] == [PUBLIC]


async def test_in_production_an_address_in_the_url_is_checked_too() -> None:
    # The system resolver: a literal resolves to itself, without asking any DNS.
    endpoint = Endpoint()
    for url in ("https://127.0.0.1/vroeg", "https://[::ffff:192.168.1.1]/vroeg"):
        status, error = await endpoint.post(None, public_only=True, url=url)
        assert (status, error) == (
            None,
            "refused: the host name resolves to an address that is not public",
        )
    assert endpoint.requests == []


async def test_in_development_and_test_this_machine_is_reached_pinned_all_the_same() -> None:
    endpoint = Endpoint()
    assert await endpoint.post(None, public_only=False, url="http://127.0.0.1:8093/a") == (
        204,
        None,
    )
    [sent] = endpoint.requests
    assert (str(sent.url), sent.headers["host"]) == ("http://127.0.0.1:8093/a", "127.0.0.1:8093")


async def test_an_address_that_takes_no_connection_gives_way_to_the_next_checked_one() -> None:
    endpoint = Endpoint("2606:2800:220:1:248:1893:25c8:1946")
    resolver, _ = resolving(["2606:2800:220:1:248:1893:25c8:1946", PUBLIC])
    assert await endpoint.post(resolver, public_only=True) == (204, None)
    assert [r.url.host for r in endpoint.requests] == [PUBLIC]
    # None does: the attempt failed.
    nowhere = Endpoint(PUBLIC)
    assert await nowhere.post(resolving([PUBLIC])[0], public_only=True) == (None, "ConnectError")


async def test_a_name_that_does_not_resolve_is_a_failed_attempt() -> None:
    async def unknown(host: str, port: int) -> Sequence[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    endpoint = Endpoint()
    assert await endpoint.post(unknown, public_only=True) == (
        None,
        "refused: the host name does not resolve",
    )
    assert endpoint.requests == []
