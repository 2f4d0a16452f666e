"""Staff (municipal employees) on the HTTP APIs: OpenID Connect bearer tokens (domain §10).

A municipality's identity provider issues the access tokens; every service verifies them the
same way: signature against the issuer's published keys (discovery → `jwks_uri`), issuer,
audience and expiry. Two claims say what the holder may do:

- `roles`: any of the staff roles of domain §10 (`reviewer`, `vroegsignaleerder`, …);
- `gemeenten`: the CBS codes of the municipalities the holder works for (a shared-service
  centre's staff may serve several).

Every read and write of a staff API is scoped to `gemeenten`: another municipality's record is
answered as not found, so its existence does not leak either.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vroeg.shared.http import Problem

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256", "ES256", "PS256"]
LEEWAY_S = 30
# An unknown key id makes us fetch the keys again (the IdP rotated), at most this often.
KEY_REFRESH_INTERVAL_S = 30.0
_MUNICIPALITY = re.compile(r"^\d{4}$")


class Role(StrEnum):
    """Staff roles (domain §10)."""

    VROEGSIGNALEERDER = "vroegsignaleerder"
    REVIEWER = "reviewer"
    SHV_PROFESSIONAL = "shv-professional"
    ANALYST = "analyst"
    ADMIN = "admin"


@dataclass(frozen=True)
class StaffMember:
    """Who is calling, what they may do, and for which municipalities."""

    subject: str
    name: str | None
    roles: frozenset[Role]
    municipalities: frozenset[str]

    def serves(self, municipality: str) -> bool:
        """Whether the holder works for a municipality."""
        return municipality in self.municipalities


class InvalidToken(Exception):
    """The token is not one we accept; the message says why (for the problem's detail)."""


class IdentityProviderUnavailable(Exception):
    """The issuer's keys could not be fetched."""


class StaffVerifier:
    """Verifies access tokens of one issuer, for one audience; keys cached by key id."""

    def __init__(self, issuer: str, audience: str, http: httpx.AsyncClient) -> None:
        self._issuer = issuer.rstrip("/")
        self._audience = audience
        self._http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -KEY_REFRESH_INTERVAL_S
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> StaffMember:
        """The staff member a token names, or InvalidToken."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"not a JWT: {exc}") from exc
        key = await self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=self._audience,
                issuer=self._issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return _member(claims)

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys:
            async with self._lock:
                stale = time.monotonic() - self._fetched_at >= KEY_REFRESH_INTERVAL_S
                if kid not in self._keys and stale:
                    await self._fetch_keys()
        try:
            return self._keys[kid]
        except KeyError:
            raise InvalidToken(f"unknown signing key {kid!r}") from None

    async def _fetch_keys(self) -> None:
        try:
            discovery = await self._http.get(f"{self._issuer}/.well-known/openid-configuration")
            discovery.raise_for_status()
            jwks = await self._http.get(discovery.json()["jwks_uri"])
            jwks.raise_for_status()
            key_set = jwt.PyJWKSet.from_dict(jwks.json())
        except (httpx.HTTPError, KeyError, ValueError, jwt.PyJWTError) as exc:
            raise IdentityProviderUnavailable(f"{self._issuer}: {exc!r}") from exc
        self._keys = {k.key_id: k for k in key_set.keys if k.key_id}
        self._fetched_at = time.monotonic()
        log.info("identity provider keys fetched", extra={"key_ids": sorted(self._keys)})


def _member(claims: dict[str, Any]) -> StaffMember:
    roles, municipalities = claims.get("roles", []), claims.get("gemeenten", [])
    if not isinstance(roles, list) or not isinstance(municipalities, list):
        raise InvalidToken("claims `roles` and `gemeenten` must be lists")
    known = {r.value for r in Role}
    if not all(isinstance(m, str) and _MUNICIPALITY.match(m) for m in municipalities):
        raise InvalidToken("claim `gemeenten` must hold four-digit CBS codes")
    name = claims.get("name")
    return StaffMember(
        subject=str(claims["sub"]),
        name=name if isinstance(name, str) else None,
        # Roles of other applications may share the token; they mean nothing here.
        roles=frozenset(Role(r) for r in roles if r in known),
        municipalities=frozenset(municipalities),
    )


_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An access token of the municipality's identity provider (OpenID Connect).",
)


def requires(*roles: Role) -> Callable[..., Awaitable[StaffMember]]:
    """A dependency: the calling staff member, who must hold one of `roles` (else 401 or 403)."""

    async def staff_member(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> StaffMember:
        if credentials is None:
            raise _unauthorized("Send an access token as `Authorization: Bearer …`.")
        verifier: StaffVerifier = request.app.state.runtime.staff
        try:
            member = await verifier.verify(credentials.credentials)
        except InvalidToken as exc:
            raise _unauthorized(f"The access token is not valid: {exc}.") from exc
        except IdentityProviderUnavailable as exc:
            log.warning("identity provider unavailable", extra={"error": str(exc)})
            raise Problem(
                HTTPStatus.SERVICE_UNAVAILABLE,
                code="identity-provider-unavailable",
                title="Service Unavailable",
                detail="The identity provider's keys cannot be fetched; try again later.",
            ) from exc
        if not member.roles & set(roles):
            raise Problem(
                HTTPStatus.FORBIDDEN,
                code="forbidden",
                title="Forbidden",
                detail=f"This needs one of the roles {', '.join(r.value for r in roles)}.",
            )
        return member

    return staff_member


def ensure_serves(member: StaffMember, municipality: str) -> None:
    """403 unless the member works for the municipality (for a municipality the caller names)."""
    if not member.serves(municipality):
        raise Problem(
            HTTPStatus.FORBIDDEN,
            code="forbidden",
            title="Forbidden",
            detail=f"You do not work for municipality {municipality}.",
        )


def not_found_unless_serves(member: StaffMember, municipality: str | None, what: str) -> None:
    """404 when there is no record, or when it is another municipality's: its existence is not
    told either."""
    if municipality is None or not member.serves(municipality):
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title=f"No such {what}.")


def _unauthorized(detail: str) -> Problem:
    return Problem(
        HTTPStatus.UNAUTHORIZED,
        code="unauthorized",
        title="Unauthorized",
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )
