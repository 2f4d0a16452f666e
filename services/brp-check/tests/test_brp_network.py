"""brp-check's HTTP client over aiohttp (`network`): a BRP that is silent, gone, or
that closed an idle connection is a BRP unreachable or a query that goes through — never an
error of another kind; a proxy in the environment is used. (TLS and mutual TLS:
test_brp_mtls.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from vroeg.brp_check.brp import BrpClient
from vroeg.brp_check.brp_transport import CircuitBreaker, http_client
from vroeg.brp_check.network import BrpHttp
from vroeg.brp_check.settings import Settings
from vroeg.shared.messaging.consumer import DependencyUnavailable

ANSWER = b'{"type": "RaadpleegMetBurgerservicenummer", "personen": []}'
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)


async def _answer(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
        % len(ANSWER)
        + ANSWER
    )
    await writer.drain()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()


Client = Callable[..., BrpClient]


PROXY_VARIABLES = [
    f"{name}_{suffix}" for name in ("http", "https", "all", "no") for suffix in ("proxy", "PROXY")
]


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Client]:
    """brp-check's client of a BRP at a URL (its connections closed after the test), with no
    proxy in the environment but what the test puts there."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    opened: list[BrpHttp] = []

    def make(url: str, timeout: float = 5) -> BrpClient:
        opened.append(BrpHttp(url, timeout_s=timeout))
        return BrpClient(opened[-1], CircuitBreaker())

    yield make
    for http in opened:
        await http.aclose()


async def test_a_brp_that_takes_the_query_and_stays_silent_is_unreachable_after_the_timeout(
    serve: Callable[[Handler], Awaitable[str]], client: Client
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        await reader.read()  # until the client gives up and closes

    brp = client(await serve(silent), timeout=0.5)
    started = time.monotonic()
    with pytest.raises(DependencyUnavailable, match="SocketTimeoutError"):
        await brp.persons(["999993653"])
    assert time.monotonic() - started < 5


async def test_a_brp_that_is_gone_is_unreachable(client: Client) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()  # nothing listens on the port now
    with pytest.raises(DependencyUnavailable, match="ClientConnectorError"):
        await client(f"http://127.0.0.1:{port}").persons(["999993653"])


@pytest.mark.parametrize(
    ("answer", "error"),
    [(b"", "ServerDisconnectedError"), (b"SSH-2.0-OpenSSH_9.2\r\n", "ClientResponseError")],
    ids=["closed-without-answering", "not-http"],
)
async def test_a_brp_that_answers_no_http_is_unreachable(
    serve: Callable[[Handler], Awaitable[str]], client: Client, answer: bytes, error: str
) -> None:
    async def broken(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    with pytest.raises(DependencyUnavailable, match=error):
        await client(await serve(broken)).persons(["999993653"])


@pytest.mark.parametrize(
    "last_words",
    [b"", b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"],
    ids=["closed", "408-then-closed"],
)
async def test_a_connection_the_brp_closed_while_idle_is_not_used_again(
    serve: Callable[[Handler], Awaitable[str]], client: Client, last_words: bytes
) -> None:
    connections = 0

    async def one_query_each(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _request(reader)
        await _answer(writer)
        # As a gateway does when a keep-alive connection has idled too long (some say so).
        await asyncio.sleep(0.05)  # after the client took the answer
        writer.write(last_words)
        await writer.drain()
        writer.close()

    brp = client(await serve(one_query_each))
    for _ in range(3):
        assert await brp.persons(["999993653"]) == {}
        await asyncio.sleep(0.1)  # the close reaches the client
    assert connections == 3


async def test_a_408_a_gateway_sent_on_an_idle_connection_is_not_the_next_query_s_answer(
    serve: Callable[[Handler], Awaitable[str]], client: Client
) -> None:
    """A gateway's 408 on an idle connection it has not closed yet: the next query goes over
    a new connection (aiohttp does not use one that said something unasked)."""
    connections = 0

    async def then_408(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _request(reader)
        await _answer(writer)
        writer.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n")
        await writer.drain()
        await reader.read()  # closes only when the client does

    brp = client(await serve(then_408))
    assert await brp.persons(["999993653"]) == {}
    await asyncio.sleep(0.05)  # the 408 reaches the client
    assert await brp.persons(["999993653"]) == {}
    assert connections == 2


@pytest.mark.parametrize(
    ("variable", "with_scheme"),
    [("HTTP_PROXY", True), ("http_proxy", True), ("ALL_PROXY", True), ("HTTP_PROXY", False)],
    ids=["HTTP_PROXY", "http_proxy", "ALL_PROXY", "no-scheme"],
)
async def test_with_a_proxy_in_the_environment_the_query_goes_through_it(
    serve: Callable[[Handler], Awaitable[str]],
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    with_scheme: bool,
) -> None:
    asked: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        asked.append(head.split(b"\r\n")[0])
        await reader.readexactly(int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0]))
        await _answer(writer)
        writer.close()

    proxy_url = await serve(proxy)
    monkeypatch.setenv(variable, proxy_url if with_scheme else proxy_url.removeprefix("http://"))
    brp = client("http://brp.gemeente.example/haalcentraal/api/brp")
    assert await brp.persons(["999993653"]) == {}
    assert asked == [b"POST http://brp.gemeente.example/haalcentraal/api/brp/personen HTTP/1.1"]


@pytest.mark.parametrize(
    "environment",
    [
        {"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"},  # nothing listens on 9
        {"ALL_PROXY": "socks5://127.0.0.1:9"},  # aiohttp would speak HTTP to it
    ],
    ids=["no-proxy-names-it", "not-an-http-proxy"],
)
async def test_a_brp_the_proxy_does_not_apply_to_is_asked_directly(
    serve: Callable[[Handler], Awaitable[str]],
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    environment: dict[str, str],
) -> None:
    async def brp_itself(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        await _answer(writer)

    url = await serve(brp_itself)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert await client(url).persons(["999993653"]) == {}


async def test_a_redirect_is_not_followed_and_the_query_waits(
    serve: Callable[[Handler], Awaitable[str]], client: Client
) -> None:
    """The query's BSNs and names go to the configured BRP only: a redirect elsewhere is not
    followed, and the signal waits as for a BRP that does not serve us."""
    elsewhere: list[bytes] = []

    async def other(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        elsewhere.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    target = await serve(other)

    async def redirecting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _request(reader)
        writer.write(
            b"HTTP/1.1 307 Temporary Redirect\r\nlocation: %s/personen\r\ncontent-length: 0\r\n\r\n"
            % target.encode()
        )
        await writer.drain()

    with pytest.raises(DependencyUnavailable, match="307"):
        await client(await serve(redirecting)).persons(["999993653"])
    await asyncio.sleep(0.05)
    assert elsewhere == []


async def test_a_query_after_the_client_closed_is_unreachable() -> None:
    http = BrpHttp("http://127.0.0.1:9", timeout_s=1)
    await http.aclose()
    with pytest.raises(DependencyUnavailable, match="closed"):
        await BrpClient(http, CircuitBreaker()).persons(["999993653"])


async def test_a_query_says_it_is_json_and_carries_the_configured_api_key(
    serve: Callable[[Handler], Awaitable[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    heads: list[list[bytes]] = []

    async def brp_itself(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        heads.append(head.lower().split(b"\r\n"))
        await reader.readexactly(int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0]))
        await _answer(writer)

    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRP_BASE_URL", await serve(brp_itself) + "/haalcentraal/api/brp")
    monkeypatch.setenv("BRP_API_KEY", "sleutel-0363")
    async with http_client(Settings()) as http:
        assert await BrpClient(http, CircuitBreaker()).persons(["999993653"]) == {}
    [head] = heads
    assert head[0] == b"post /haalcentraal/api/brp/personen http/1.1"
    for header in (
        b"content-type: application/json; charset=utf-8",
        b"accept: application/json; charset=utf-8",
        b"x-api-key: sleutel-0363",
    ):
        assert header in head
