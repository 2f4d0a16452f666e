"""How brp-check's queries travel to the BRP: `POST` over aiohttp, in a client span of their
own, with the gateway's credentials.

Two queries per signal make the client's cost per request a good part of brp-check's CPU.
aiohttp's connection pool and HTTP/1.1 parser, with the span written here, cost about a third
of httpx over aiohttp (`bench/brp_client.py`): httpx's layers (URL merging, auth flow,
cookies, its response model) were most of it. The span follows OpenTelemetry's HTTP client
conventions; its context goes along as `traceparent`.
"""

from __future__ import annotations

import logging
import ssl
import urllib.request
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from vroeg.shared.telemetry import error_text

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/json; charset=utf-8"  # of the queries and the answers
_tracer = trace.get_tracer(__name__)


class Unreachable(RuntimeError):
    """No answer from the BRP: no connection, the connection lost, no answer in time, or an
    answer that is not HTTP. The text names aiohttp's error (never a query's values)."""


@dataclass(frozen=True)
class Answer:
    """The BRP's answer: its status and body."""

    status: int
    content: bytes


class Token(Protocol):
    """Where the gateway's access token comes from (`brp_transport.ClientCredentials`)."""

    async def current(self) -> str:
        """A token that is valid now (fetched when none is, or it expires soon)."""
        ...

    def forget(self) -> None:
        """The gateway refused the token: the next `current` fetches a new one."""
        ...


class BrpHttp:
    """JSON POSTs to the BRP at `base_url`, with `headers` and, given a `token`, a bearer token
    (one fresh try when the gateway answers 401). `timeout_s` bounds connecting, a free
    connection in the pool, and each wait for the answer's bytes. A proxy in the environment
    (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`: `_proxy_for`) is used."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float,
        verify: ssl.SSLContext | bool = True,
        headers: dict[str, str] | None = None,
        token: Token | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        where = urlsplit(self._base_url)
        # The spans' URL without credentials a base URL might hold.
        self._traced_url = where._replace(netloc=where.netloc.rpartition("@")[2]).geturl()
        self._server: dict[str, str | int] = {
            "server.address": where.hostname or "",
            "server.port": where.port or (443 if where.scheme == "https" else 80),
        }
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout_s, sock_read=timeout_s)
        self._verify = verify  # an SSLContext for our CA and client certificate (mutual TLS)
        self._headers = {"Content-Type": MEDIA_TYPE, "Accept": MEDIA_TYPE, **(headers or {})}
        self._token = token
        self._session: aiohttp.ClientSession | None = None  # opened with the first query
        self._proxy: str | None = None
        self._closed = False

    async def post(self, path: str, content: bytes) -> Answer:
        """The BRP's answer to `content` POSTed at `path`; Unreachable when there is none.
        A redirect is an answer like any other: the query is not sent anywhere else."""
        answer = await self._attempt(path, content, resend=0)
        if answer.status == 401 and self._token is not None:
            self._token.forget()  # revoked or expired early: one fresh try
            answer = await self._attempt(path, content, resend=1)
        return answer

    async def _attempt(self, path: str, content: bytes, *, resend: int) -> Answer:
        """One request, in its own client span (OpenTelemetry's HTTP client conventions: a
        request sent again is a span of its own, with its resend count)."""
        if self._closed:
            raise Unreachable("the client is closed")
        headers = dict(self._headers)
        if self._token is not None:  # before the span: fetching a token is not this request
            headers["Authorization"] = f"Bearer {await self._token.current()}"
        attributes = {
            "http.request.method": "POST",
            "url.full": self._traced_url + path,
            **self._server,
        }
        if resend:
            attributes["http.request.resend_count"] = resend
        # An Unreachable raised inside is recorded as the span's exception event (its text is
        # our own; the exporter leaves exception texts out anyway).
        with _tracer.start_as_current_span(
            "POST", kind=SpanKind.CLIENT, attributes=attributes
        ) as span:
            propagate.inject(headers)  # this request's span
            try:
                async with self._open().post(
                    self._base_url + path,
                    data=content,
                    headers=headers,
                    proxy=self._proxy,
                    allow_redirects=False,
                ) as response:
                    answer = Answer(response.status, await response.read())
            except (aiohttp.ClientError, TimeoutError) as exc:
                kind = type(exc)
                span.set_attribute("error.type", f"{kind.__module__}.{kind.__qualname__}")
                span.set_status(Status(StatusCode.ERROR))
                raise Unreachable(error_text(exc)) from exc
            span.set_attribute("http.response.status_code", answer.status)
            if answer.status >= 400:
                span.set_attribute("error.type", str(answer.status))
                span.set_status(Status(StatusCode.ERROR))
            return answer

    def _open(self) -> aiohttp.ClientSession:
        if self._closed:  # closed while this query waited for its token
            raise Unreachable("the client is closed")
        if self._session is None:
            self._proxy = _proxy_for(self._base_url)
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                # httpx's idle time: below what gateways allow an idle connection.
                connector=aiohttp.TCPConnector(ssl=self._verify, keepalive_timeout=5),
                # Nothing the BRP sets is sent back (no sticky sessions: the API is stateless).
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def aclose(self) -> None:
        """Close its connections; a query asked afterwards is Unreachable."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> BrpHttp:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url`, read once: aiohttp's `trust_env` reads the
    environment per request, which was two thirds of a query's CPU. The variable of the URL's
    scheme, else `ALL_PROXY` (either case; `NO_PROXY` honoured); `http://` when it names no
    scheme, as httpx reads it. aiohttp speaks to HTTP proxies only: another (`socks5://`) is
    left out, with a warning, rather than spoken HTTP to."""
    where = urlsplit(url)
    if urllib.request.proxy_bypass(where.hostname or ""):
        return None
    proxies = urllib.request.getproxies()
    proxy = proxies.get(where.scheme) or proxies.get("all")
    if not proxy:
        return None
    if "://" not in proxy:
        proxy = f"http://{proxy}"
    if urlsplit(proxy).scheme not in ("http", "https"):
        log.warning("the BRP is asked without the proxy the environment names: not an HTTP proxy")
        return None
    return proxy
