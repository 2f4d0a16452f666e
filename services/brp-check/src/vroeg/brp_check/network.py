"""httpx over asyncio's own streams, for the BRP: two queries per signal, so the client's
cost per request is a good part of brp-check's CPU.

httpx's default network layer is anyio's: every read and write enters a cancel scope, and
before each request the connection pool asks every idle connection for anyio's whole table
of socket attributes to learn whether the server closed it. Over asyncio's streams a query
costs a quarter less CPU (`bench/brp_client.py`: 0.85 instead of 1.13 ms, traced). httpx's
transport takes no network backend, so `AsyncioTransport` gives its connection pool one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx

# Where httpx finds a proxy in the environment; a client with its own transport ignores them.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


@contextlib.asynccontextmanager
async def _guarded(
    seconds: float | None, timed_out: type[Exception], failed: type[Exception]
) -> AsyncIterator[None]:
    """Work within httpcore's timeout, its failure as the httpcore error httpx turns into its
    own (an httpx.HTTPError, which brp-check takes for an unreachable BRP)."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError as exc:
        raise timed_out(str(exc)) from exc
    except OSError as exc:  # ssl.SSLError included
        raise failed(str(exc)) from exc


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection as asyncio's reader and writer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        async with _guarded(timeout, httpcore.ReadTimeout, httpcore.ReadError):
            return await self._reader.read(max_bytes)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if not buffer:
            return
        async with _guarded(timeout, httpcore.WriteTimeout, httpcore.WriteError):
            self._writer.write(buffer)
            await self._writer.drain()

    async def aclose(self) -> None:
        # Not waiting for it: a TLS peer that never answers the close would hold us up.
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
    ) -> httpcore.AsyncNetworkStream:
        async with _guarded(timeout, httpcore.ConnectTimeout, httpcore.ConnectError):
            await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of an idle connection: did the server close it, or
            # say something (a 408 before its close) that no request of ours asked for?
            return (
                self._reader.at_eof()
                # What the transport read and nobody took yet (typeshed omits the attribute).
                or bool(self._reader._buffer)  # type: ignore[attr-defined]
                or self._reader.exception() is not None
                or self._writer.transport.is_closing()
            )
        names = {"client_addr": "sockname", "server_addr": "peername"}
        return self._writer.get_extra_info(names.get(info, info))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens connections as asyncio streams (TCP; TLS is started on them by httpcore)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        async with _guarded(timeout, httpcore.ConnectTimeout, httpcore.ConnectError):
            # No `happy_eyeballs_delay`: uvloop, the services' event loop, does not take it.
            reader, writer = await asyncio.open_connection(
                host, port, local_addr=(local_address, 0) if local_address else None
            )
            try:
                for option in socket_options or ():
                    writer.get_extra_info("socket").setsockopt(*option)
            except OSError:
                writer.close()
                raise
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class AsyncioTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its request and response mapping, its errors) with a connection
    pool on `AsyncioBackend`."""

    def __init__(self, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            # httpx's own defaults for a client's pool (`Limits()` alone would be unbounded).
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=AsyncioBackend(),
        )


def transport(verify: ssl.SSLContext | bool) -> httpx.AsyncBaseTransport | None:
    """The transport for a client of the BRP: None (httpx's own, which honours the proxy)
    where the environment names a proxy, else `AsyncioTransport`."""
    named = {name.upper() for name, value in os.environ.items() if value}
    if named & set(PROXY_VARIABLES):
        return None
    return AsyncioTransport(verify)
