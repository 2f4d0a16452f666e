"""Staff (municipal employees) on the HTTP APIs: OpenID Connect bearer tokens (domain §10).

A municipality's identity provider issues the access tokens; every service verifies them the
same way: an access token by its header `typ` (`at+jwt`, RFC 9068, or the marker the provider
uses), signature against the issuer's published signing keys (discovery, whose `issuer` must
be the configured one → `jwks_uri`, HTTPS outside development), issuer, audience, expiry and a
maximum lifetime. Two claims say what the holder may do:

- `roles`: any of the staff roles of domain §10 (`reviewer`, `vroegsignaleerder`, …);
- `gemeenten`: the CBS codes of the municipalities the holder works for (a shared-service
  centre's staff may serve several).

Every read and write of a staff API is scoped to `gemeenten`: another municipality's record is
answered as not found, so its existence does not leak either.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import jwt
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from vroeg.shared.http import Problem
from vroeg.shared.settings import DEVELOPMENT_ENVIRONMENTS, ServiceSettings

log = logging.getLogger(__name__)

ALGORITHMS = ["RS256", "ES256", "PS256"]
LEEWAY_S = 30
# An unknown key id makes us fetch the keys again (the IdP rotated), at most this often.
KEY_REFRESH_INTERVAL_S = 30.0
# After a failed fetch, the keys are not asked for again this long: requests meanwhile get the
# failure, so an identity provider that is down (or bogus key ids) cause no storm of fetches.
KEY_FETCH_RETRY_S = 5.0
# Keys are fetched again after this even when every key id is known, so a key the provider
# withdrew (rotated out, compromised) stops verifying; while it cannot be reached, the keys
# fetched before still serve.
KEY_MAX_AGE_S = 3600.0
# RFC 9068 §2.1: the header `typ` of a JWT access token; ID tokens and others are refused.
ACCESS_TOKEN_TYPE = "at+jwt"
MAX_TOKEN_LIFETIME_S = 24 * 3600
# The 401 detail: the same for every reason, so it teaches an attacker nothing and leaks no
# library text; the reason is logged.
INVALID_TOKEN_DETAIL = (
    "The access token is not accepted. Send a current access token of the municipality's "
    "identity provider, issued for this API; sign in again if yours has expired."
)
_MUNICIPALITY = re.compile(r"^\d{4}$")


class Role(StrEnum):
    """Staff roles (domain §10)."""

    VROEGSIGNALEERDER = "vroegsignaleerder"
    REVIEWER = "reviewer"
    SHV_PROFESSIONAL = "shv-professional"
    ANALYST = "analyst"
    ADMIN = "admin"
    # The only role that may produce the CBS (DDAS) export, which holds personal data (§9).
    CBS_EXPORT = "cbs-export"


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

    def __init__(
        self,
        issuer: str,
        audience: str,
        http: httpx.AsyncClient,
        *,
        token_type: str = ACCESS_TOKEN_TYPE,
        max_lifetime_s: float = MAX_TOKEN_LIFETIME_S,
        https_only: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._issuer = issuer
        self._audience = audience
        self._http = http
        self._token_type = _media_type(token_type)
        self._max_lifetime_s = max_lifetime_s
        self._https_only = https_only
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -KEY_REFRESH_INTERVAL_S
        self._failure: str | None = None
        self._retry_at = 0.0
        self._lock = asyncio.Lock()

    @classmethod
    def for_settings(cls, settings: ServiceSettings, http: httpx.AsyncClient) -> StaffVerifier:
        """The verifier a service's settings describe (plain-HTTP keys only in development)."""
        return cls(
            settings.oidc_issuer,
            settings.oidc_audience,
            http,
            token_type=settings.oidc_token_type,
            max_lifetime_s=settings.oidc_max_token_lifetime_s,
            https_only=settings.environment not in DEVELOPMENT_ENVIRONMENTS,
        )

    async def verify(self, token: str) -> StaffMember:
        """The staff member a token names, or InvalidToken."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("not a JWT") from exc
        if _media_type(header.get("typ")) != self._token_type:
            raise InvalidToken(f"header typ is not {self._token_type}")
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
            raise InvalidToken(f"refused: {type(exc).__name__}") from exc
        if float(claims["exp"]) - float(claims["iat"]) > self._max_lifetime_s:
            raise InvalidToken(f"lives longer than {self._max_lifetime_s:.0f} s")
        return _member(claims)

    async def verify_id_token(self, token: str, *, client_id: str, nonce: str) -> str:
        """The subject of an ID token issued to `client_id` at the sign-in that sent `nonce`
        (OpenID Connect Core §3.1.3.7), or InvalidToken. An access token is refused here."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("not a JWT") from exc
        if _media_type(header.get("typ")) == self._token_type:
            raise InvalidToken("an access token, not an ID token")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=ALGORITHMS,
                audience=client_id,
                issuer=self._issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "nonce"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"refused: {type(exc).__name__}") from exc
        # §3.1.2.1: the nonce ties the token to this browser's sign-in (no replayed token).
        if not secrets.compare_digest(str(claims["nonce"]).encode(), nonce.encode()):
            raise InvalidToken("nonce does not match the sign-in")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise InvalidToken("issued to another party (azp)")
        return str(claims["sub"])

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys or self._expired():
            async with self._lock:
                if kid not in self._keys:
                    await self._refresh()
                elif self._expired():
                    with contextlib.suppress(IdentityProviderUnavailable):
                        await self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise InvalidToken("unknown signing key") from None

    def _expired(self) -> bool:
        return self._clock() - self._fetched_at >= KEY_MAX_AGE_S

    async def _refresh(self) -> None:
        """Fetch the keys again, unless they were fetched (or failed) moments ago."""
        now = self._clock()
        if self._failure is not None and now < self._retry_at:
            raise IdentityProviderUnavailable(self._failure)
        if now - self._fetched_at < KEY_REFRESH_INTERVAL_S:
            return
        try:
            self._keys = await self._fetch_keys()
        except IdentityProviderUnavailable as exc:
            self._failure, self._retry_at = str(exc), now + KEY_FETCH_RETRY_S
            log.warning("identity provider keys not fetched", extra={"error": str(exc)})
            raise
        self._failure, self._fetched_at = None, now
        log.info("identity provider keys fetched", extra={"key_ids": sorted(self._keys)})

    async def _fetch_keys(self) -> dict[str, jwt.PyJWK]:
        try:
            discovery = await self._http.get(
                f"{self._issuer.rstrip('/')}/.well-known/openid-configuration"
            )
            discovery.raise_for_status()
            document = discovery.json()
            # OpenID Connect Discovery §4.3: a provider that names another issuer is not ours.
            if document["issuer"] != self._issuer:
                raise IdentityProviderUnavailable(
                    f"{self._issuer}: discovery names issuer {document['issuer']!r}"
                )
            jwks_uri = str(document["jwks_uri"])
            if self._https_only and urlsplit(jwks_uri).scheme != "https":
                raise IdentityProviderUnavailable(f"{self._issuer}: jwks_uri is not https")
            jwks = await self._http.get(jwks_uri)
            jwks.raise_for_status()
            published = jwks.json()["keys"]
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
            raise IdentityProviderUnavailable(f"{self._issuer}: {exc!r}") from exc
        keys: dict[str, jwt.PyJWK] = {}
        for jwk in published:
            if not _for_signatures(jwk):
                continue
            try:
                key = jwt.PyJWK(jwk)
            except jwt.PyJWTError:
                continue  # a key type or algorithm we do not verify with
            if key.key_id:
                keys[key.key_id] = key
        return keys


def _for_signatures(jwk: Any) -> bool:
    """Whether a published key may verify signatures (RFC 7517 §4.2, §4.3): not `use=enc`."""
    if not isinstance(jwk, dict):
        return False
    operations = jwk.get("key_ops")
    return jwk.get("use", "sig") == "sig" and (operations is None or "verify" in operations)


def _media_type(typ: object) -> str:
    """A `typ` value as compared (RFC 7515 §4.1.9): case-insensitive, `application/` optional."""
    return str(typ or "").strip().lower().removeprefix("application/")


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
            log.info("access token refused", extra={"reason": str(exc)})
            raise _unauthorized(INVALID_TOKEN_DETAIL, error="invalid_token") from exc
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


# The administration's parameters, the same on every service's `/v1/beheer/…` routes: an
# operator (the OIDC `admin` role) and the municipality named in the path.
Operator = Annotated[StaffMember, Depends(requires(Role.ADMIN))]
MunicipalityPath = Annotated[str, Path(pattern=r"^\d{4}$", description="CBS code")]


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


def _unauthorized(detail: str, *, error: str | None = None) -> Problem:
    # RFC 6750 §3: a request without a token gets the bare challenge.
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return Problem(
        HTTPStatus.UNAUTHORIZED,
        code="unauthorized",
        title="Unauthorized",
        detail=detail,
        headers={"WWW-Authenticate": challenge},
    )
