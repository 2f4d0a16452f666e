"""httpx over aiohttp, for the BRP: two queries per signal, so the client's cost per request
is a good part of brp-check's CPU.

httpx keeps what it is good at (the OAuth2 auth flow, timeouts, its errors); aiohttp's
connection pool and HTTP/1.1 parser move the bytes, through `httpx_aiohttp`'s transport (by
one of httpx's maintainers). A traced query costs about half the CPU of httpx's own
transport (`bench/brp_client.py`). OpenTelemetry's httpx instrumentation patches httpx's own
transport class only, so this one is wrapped in its tracing transport.
"""

from __future__ import annotations

import os
import ssl

import aiohttp
import httpx
import httpx_aiohttp
from opentelemetry.instrumentation.httpx import AsyncOpenTelemetryTransport

# Where httpx finds a proxy in the environment; a client with its own transport ignores them.
PROXY_VARIABLES = ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY")


class AiohttpTransport(httpx_aiohttp.AiohttpTransport):
    """The library's transport, with every aiohttp failure an httpx error of its kind:
    brp-check takes an httpx.HTTPError for a BRP unreachable, and ops read its name."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            # The library names every failed connection a timeout: one refused, or closed
            # under a request, is not.
            cause = exc.__cause__
            if isinstance(cause, aiohttp.ServerTimeoutError):
                raise
            if isinstance(cause, aiohttp.ClientConnectorError):
                raise httpx.ConnectError(str(exc), request=request) from cause
            raise httpx.NetworkError(str(exc), request=request) from cause
        except aiohttp.ClientError as exc:  # one it does not map: an answer not HTTP
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc


def transport(verify: ssl.SSLContext | bool) -> httpx.AsyncBaseTransport | None:
    """The transport for a client of the BRP: None (httpx's own, which honours the proxy)
    where the environment names a proxy, else `AiohttpTransport`, traced."""
    named = {name.upper() for name, value in os.environ.items() if value}
    if named & set(PROXY_VARIABLES):
        return None
    return AsyncOpenTelemetryTransport(AiohttpTransport(verify=verify))
