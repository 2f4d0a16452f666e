"""Signing in at the municipality's identity provider: OpenID Connect's authorization code flow
with PKCE (RFC 7636, S256), state and nonce, as a public client.

The provider's endpoints come from its discovery document (fetched once per process); the
ID token is verified (signature, issuer, audience = our client id, nonce) and so is the access
token, exactly as the services will verify it (`vroeg.shared.staff`): what the pages offer is
what the services allow.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx
import jwt

from vroeg.shared.staff import IdentityProviderUnavailable, InvalidToken, StaffMember, StaffVerifier
from vroeg.web.settings import Settings

log = logging.getLogger(__name__)


class SignInFailed(Exception):
    """The provider's answer is not a valid sign-in; the message says why (for the log)."""


@dataclass(frozen=True)
class PkcePair:
    """A PKCE code verifier and its S256 challenge."""

    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> PkcePair:
        """A fresh pair: 43 characters of randomness (RFC 7636 §4.1)."""
        verifier = secrets.token_urlsafe(32)
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii"))


@dataclass(frozen=True)
class Tokens:
    """A verified sign-in: who it is, and the access token to call the services with."""

    member: StaffMember
    access_token: str
    expires_at: datetime  # the access token's expiry: the session ends with it


class IdentityProvider:
    """The provider as the web app's client sees it."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient, verifier: StaffVerifier):
        self._settings = settings
        self._http = http
        self._verifier = verifier
        self._endpoints: dict[str, str] | None = None

    async def _discover(self) -> dict[str, str]:
        if self._endpoints is None:
            issuer = self._settings.oidc_issuer
            try:
                response = await self._http.get(
                    f"{issuer.rstrip('/')}/.well-known/openid-configuration"
                )
                response.raise_for_status()
                document = response.json()
                if document["issuer"] != issuer:
                    raise IdentityProviderUnavailable(
                        f"discovery names issuer {document['issuer']!r}"
                    )
                self._endpoints = {
                    "authorize": str(document["authorization_endpoint"]),
                    "token": str(document["token_endpoint"]),
                }
            except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
                raise IdentityProviderUnavailable(f"{issuer}: {exc!r}") from exc
        return self._endpoints

    async def authorization_url(self, *, state: str, nonce: str, pkce: PkcePair) -> str:
        """Where to send the browser to sign in."""
        endpoints = await self._discover()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._settings.oidc_client_id,
                "redirect_uri": self._settings.redirect_uri,
                "scope": "openid profile",
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce.challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{endpoints['authorize']}?{query}"

    async def exchange(self, code: str, *, verifier: str, nonce: str) -> Tokens:
        """The code exchanged for tokens, both verified (SignInFailed if anything is off)."""
        endpoints = await self._discover()
        try:
            response = await self._http.post(
                endpoints["token"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self._settings.redirect_uri,
                    "client_id": self._settings.oidc_client_id,
                    "code_verifier": verifier,
                },
            )
        except httpx.HTTPError as exc:
            raise IdentityProviderUnavailable(f"token endpoint: {exc!r}") from exc
        if response.status_code >= 500:
            raise IdentityProviderUnavailable(f"token endpoint answered {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise SignInFailed("token endpoint did not answer JSON") from exc
        if response.status_code != 200:
            raise SignInFailed(f"token endpoint refused: {body.get('error')}")
        try:
            access_token, id_token = str(body["access_token"]), str(body["id_token"])
            subject = await self._verifier.verify_id_token(
                id_token, client_id=self._settings.oidc_client_id, nonce=nonce
            )
            member = await self._verifier.verify(access_token)
        except (KeyError, TypeError, ValueError) as exc:
            raise SignInFailed(f"token response incomplete: {type(exc).__name__}") from exc
        except InvalidToken as exc:
            raise SignInFailed(str(exc)) from exc
        if member.subject != subject:
            raise SignInFailed("the access token names another subject than the ID token")
        # Verified just above; only its expiry is read here.
        expiry = jwt.decode(access_token, options={"verify_signature": False})["exp"]
        return Tokens(member, access_token, datetime.fromtimestamp(int(expiry), UTC))
