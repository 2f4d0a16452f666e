"""How brp-check reaches the BRP: OAuth2 client credentials, mutual TLS, a circuit breaker.

In production the BRP Personen API sits behind a gateway that wants an OAuth2 access token
(client-credentials grant) over a mutual-TLS connection; both are configuration.
"""

from __future__ import annotations

import asyncio
import ssl
import time

import httpx

from vroeg.brp_check import network
from vroeg.brp_check.settings import Settings
from vroeg.shared import metrics
from vroeg.shared.messaging.consumer import DependencyUnavailable

TOKEN_MARGIN_S = 30  # renew a token this long before it expires


class ClientCredentials:
    """OAuth2 client-credentials grant; the token is cached until shortly before it expires
    (a `network.Token`). The token endpoint is asked once a token's life, with httpx."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        scope: str | None,
        verify: ssl.SSLContext | bool = True,
    ):
        self._token_url = token_url
        self._verify = verify  # the gateway's token endpoint wants the same mutual TLS
        self._client = (client_id, client_secret)
        self._scope = scope
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        self._token = None

    async def current(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                self._token, lifetime = await self._fetch()
                self._expires_at = time.monotonic() + max(0, lifetime - TOKEN_MARGIN_S)
            return self._token

    async def _fetch(self) -> tuple[str, int]:
        form = {"grant_type": "client_credentials"}
        if self._scope:
            form["scope"] = self._scope
        try:
            async with httpx.AsyncClient(timeout=10, verify=self._verify) as http:
                response = await http.post(self._token_url, data=form, auth=self._client)
        except httpx.HTTPError as exc:
            raise DependencyUnavailable(f"token endpoint unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise DependencyUnavailable(f"token endpoint answered {response.status_code}")
        token = response.json()
        return token["access_token"], int(token.get("expires_in", 300))


class CircuitBreaker:
    """After `threshold` failures in a row, fail fast for `cooldown_s`, then let one call try.

    While open, no request leaves: a BRP that is down is not hammered by every waiting signal.
    """

    def __init__(self, threshold: int = 5, cooldown_s: float = 10.0) -> None:
        self._threshold = threshold
        self._cooldown_s = cooldown_s
        self._failures = 0
        self._open_until = 0.0

    def before(self) -> None:
        """Raise DependencyUnavailable while open."""
        if self._failures >= self._threshold and time.monotonic() < self._open_until:
            raise DependencyUnavailable("BRP circuit open after repeated failures")

    def succeeded(self) -> None:
        self._failures = 0
        metrics.dependency_state("brp", True)

    def failed(self) -> None:
        self._failures += 1
        metrics.dependency_state("brp", False)
        if self._failures >= self._threshold:
            self._open_until = time.monotonic() + self._cooldown_s


def http_client(settings: Settings) -> network.BrpHttp:
    """The HTTP client for the BRP, with the configured authentication and TLS."""
    if settings.brp_ca_bundle or settings.brp_client_cert:
        verify = ssl.create_default_context(cafile=settings.brp_ca_bundle)
        if settings.brp_client_cert:  # mutual TLS
            verify.load_cert_chain(settings.brp_client_cert, settings.brp_client_key)
    else:  # what httpx trusts: certifi's bundle, or SSL_CERT_FILE / SSL_CERT_DIR
        verify = httpx.create_ssl_context()
    token: ClientCredentials | None = None
    if settings.brp_oauth_token_url:
        if not settings.brp_oauth_client_id or settings.brp_oauth_client_secret is None:
            raise ValueError("BRP_OAUTH_TOKEN_URL needs BRP_OAUTH_CLIENT_ID and _SECRET")
        token = ClientCredentials(
            settings.brp_oauth_token_url,
            settings.brp_oauth_client_id,
            settings.brp_oauth_client_secret.get_secret_value(),
            settings.brp_oauth_scope,
            verify,
        )
    headers = {"X-API-Key": settings.brp_api_key.get_secret_value()} if settings.brp_api_key else {}
    return network.BrpHttp(
        settings.brp_base_url,
        timeout_s=settings.brp_timeout_s,
        verify=verify,
        headers=headers,
        token=token,
    )
