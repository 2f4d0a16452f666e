"""Who is calling: creditors and municipalities by API key, administrators by the admin key.

An API key is `vroeg_<key id>.<secret>`; only the SHA-256 of the secret is stored (the secret
is 256 random bits, so a fast hash is enough), compared in constant time. A key may be bound
to a client certificate for mutual-TLS deployments.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from vroeg.intake import repository
from vroeg.intake.settings import Settings
from vroeg.shared.deps import RuntimeDep
from vroeg.shared.events import VlpType
from vroeg.shared.http import Problem
from vroeg.shared.service import Runtime

KEY_PREFIX = "vroeg_"
API_KEY_HEADER = "X-Api-Key"
api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="An API key.")


class PrincipalKind(StrEnum):
    """Who can hold an API key."""

    VLP = "VLP"
    MUNICIPALITY = "MUNICIPALITY"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    kind: PrincipalKind
    id: str
    vlp_type: VlpType | None = None


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: the whole key for the holder, the rest for storage."""

    key_id: str
    secret_sha256: str
    api_key: str


def new_key() -> NewKey:
    """A new random API key."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, _sha256(secret), f"{KEY_PREFIX}{key_id}.{secret}")


def normalise_fingerprint(value: str) -> str:
    """A certificate fingerprint as 64 lowercase hex digits."""
    return value.replace(":", "").strip().lower()


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _unauthorized(detail: str) -> Problem:
    return Problem(
        HTTPStatus.UNAUTHORIZED, code="unauthorized", title="Unauthorized", detail=detail
    )


def settings_of(runtime: RuntimeDep) -> Settings:
    """intake's settings."""
    return cast(Settings, runtime.settings)


SettingsDep = Annotated[Settings, Depends(settings_of)]


class VerifiedKeys:
    """Keys verified in the last `ttl_s` seconds, so a busy creditor costs no query per call.

    A revoked key or removed creditor stops working within `ttl_s`; the certificate binding
    is checked on every call.
    """

    def __init__(self, ttl_s: float = 30.0, size: int = 10_000) -> None:
        self._ttl_s = ttl_s
        self._size = size
        self._entries: dict[str, tuple[float, Principal, str | None]] = {}

    def get(self, api_key: str) -> tuple[Principal, str | None] | None:
        entry = self._entries.get(_sha256(api_key))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def put(self, api_key: str, principal: Principal, fingerprint: str | None) -> None:
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[_sha256(api_key)] = (time.monotonic() + self._ttl_s, principal, fingerprint)


def verified_keys(request: Request) -> VerifiedKeys:
    """This process's cache of verified keys (made on first use)."""
    state = request.app.state
    if not hasattr(state, "verified_keys"):
        state.verified_keys = VerifiedKeys()
    keys: VerifiedKeys = state.verified_keys
    return keys


async def authenticate_request(request: Request) -> Principal:
    """The caller behind the `X-Api-Key` header, or 401; once per request (route guard)."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    runtime: Runtime = request.app.state.runtime
    settings = cast(Settings, runtime.settings)
    _refuse_untrusted_certificate_header(request, settings)
    api_key = request.headers.get(API_KEY_HEADER)
    if not api_key or not api_key.startswith(KEY_PREFIX) or "." not in api_key:
        raise _unauthorized("Send a valid API key in the X-Api-Key header.")
    cache = verified_keys(request)
    cached = cache.get(api_key)
    if cached is not None:
        principal, fingerprint = cached
        _check_certificate(request, settings, fingerprint)
        request.state.principal = principal
        return principal
    key_id, _, secret = api_key.removeprefix(KEY_PREFIX).partition(".")
    async with runtime.database.sessionmaker() as session:
        found = await repository.get_credential(session, key_id)
    if found is None:
        raise _unauthorized("The API key is not valid.")
    credential, vlp = found
    if credential.revoked_at is not None or not _equal(credential.secret_sha256, _sha256(secret)):
        raise _unauthorized("The API key is not valid.")
    _check_certificate(request, settings, credential.client_cert_sha256)
    kind = PrincipalKind(credential.principal_kind)
    if kind == PrincipalKind.VLP:
        if vlp is None:
            raise _unauthorized("The API key's creditor no longer exists.")
        principal = Principal(kind, vlp.id, VlpType(vlp.vlp_type))
    else:
        principal = Principal(kind, credential.principal_id)
    cache.put(api_key, principal, credential.client_cert_sha256)
    request.state.principal = principal
    return principal


async def authenticate(
    request: Request, _: Annotated[str | None, Depends(api_key_header)]
) -> Principal:
    """The caller (the header parameter puts the key scheme in the OpenAPI document)."""
    return await authenticate_request(request)


def _equal(a: str, b: str) -> bool:
    """Constant-time comparison of any text (`compare_digest` refuses non-ASCII `str`)."""
    return hmac.compare_digest(a.encode(), b.encode())


def _check_certificate(request: Request, settings: Settings, fingerprint: str | None) -> None:
    """A key bound to a client certificate works only with that certificate (mutual TLS)."""
    if fingerprint is None:
        return
    presented = normalise_fingerprint(request.headers.get(settings.client_cert_header, ""))
    if not _equal(presented, fingerprint):
        raise _unauthorized("This key needs the client certificate it was issued for.")


def _refuse_untrusted_certificate_header(request: Request, settings: Settings) -> None:
    """The certificate header counts only as the trusted proxy's one statement.

    Sent by anyone else, it is refused rather than ignored: a client that sends it is spoofing
    or bypassing the proxy, and a misrouted deployment shows at once. Sent twice (or folded into
    one comma-separated value), it is refused: which one the proxy wrote cannot be told.
    """
    values = request.headers.getlist(settings.client_cert_header)
    if not values:
        return
    # A proxy that appends instead of replacing folds a client's value and its own into one.
    if len(values) > 1 or "," in values[0]:
        raise _unauthorized(f"The {settings.client_cert_header} header was sent more than once.")
    peer = request.client.host if request.client else None
    if not peer or not _is_trusted(peer, settings):
        raise _unauthorized(
            f"The {settings.client_cert_header} header is accepted only from the trusted proxy."
        )


def _is_trusted(peer: str, settings: Settings) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in settings.trusted_networks)


async def require_vlp(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    """A creditor, or 403."""
    if principal.kind != PrincipalKind.VLP:
        raise Problem(HTTPStatus.FORBIDDEN, code="not-a-creditor", title="Only creditors may.")
    return principal


async def require_municipality(
    principal: Annotated[Principal, Depends(authenticate)],
) -> Principal:
    """A municipality, or 403."""
    if principal.kind != PrincipalKind.MUNICIPALITY:
        raise Problem(
            HTTPStatus.FORBIDDEN, code="not-a-municipality", title="Only municipalities may."
        )
    return principal


async def authenticate_admin(request: Request) -> None:
    """The deployment's administrator, or 401 (route guard)."""
    settings = cast(Settings, request.app.state.runtime.settings)
    api_key = request.headers.get(API_KEY_HEADER)
    if not api_key or not _equal(api_key, settings.admin_api_key.get_secret_value()):
        raise _unauthorized("Send the administrator key in the X-Api-Key header.")


async def require_admin(
    request: Request, _: Annotated[str | None, Depends(api_key_header)]
) -> None:
    """The administrator (the header parameter puts the key scheme in the OpenAPI document)."""
    await authenticate_admin(request)


VlpDep = Annotated[Principal, Depends(require_vlp)]
MunicipalityDep = Annotated[Principal, Depends(require_municipality)]
AdminDep = Depends(require_admin)
