"""The identity-provider stand-in as a process: `vroeg-idp-standin` (OpenID Connect).

Speaks the parts of OpenID Connect and OAuth2 the services rely on: discovery
(`/.well-known/openid-configuration`), the signing keys (`/jwks`), the authorization code flow
with PKCE for the staff web app (`/authorize`, see `code_flow`), and a token endpoint (`/token`:
that flow's code exchange, and the resource-owner password grant for tests and scripts) that
issues RS256 access tokens with the claims `roles` and `gemeenten`, like a municipality's
provider is configured to, and with a code also an ID token.
The signing key is made at start; tokens of an earlier run are not valid in a later one.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings

from vroeg.standins.idp.code_flow import CodeFlow, InvalidGrant


class User(BaseModel):
    """One staff account."""

    username: str
    password: str
    name: str
    roles: list[str]
    gemeenten: list[str]


# The demo's accounts (password = username): one reviewer per municipality, one for a
# shared-service centre serving both, a vroegsignaleerder, an analyst, who may not review, and
# a debt-help professional, who may import the debt-help register, an operator of Amsterdam's
# intake, one of The Hague's, and a shared-service centre's operator of both (who may say where
# other municipalities are served: the deployment's operator).
DEMO_USERS = [
    User(username=username, password=username, name=name, roles=roles, gemeenten=municipalities)
    for username, name, roles, municipalities in [
        ("reviewer-0363", "R. Amsterdam", ["reviewer"], ["0363"]),
        ("reviewer-0518", "R. Den Haag", ["reviewer"], ["0518"]),
        ("reviewer-ssc", "R. Servicecentrum", ["reviewer"], ["0363", "0518"]),
        ("vroegsignaleerder-0363", "V. Amsterdam", ["vroegsignaleerder"], ["0363"]),
        ("analyst-0363", "A. Amsterdam", ["analyst"], ["0363"]),
        ("shv-0363", "S. Amsterdam", ["shv-professional"], ["0363"]),
        ("admin-0363", "B. Beheer", ["admin"], ["0363"]),
        ("admin-0518", "B. Den Haag", ["admin"], ["0518"]),
        ("admin-ssc", "B. Servicecentrum", ["admin"], ["0363", "0518"]),
    ]
]


WEB_CLIENT_ID = "vroeg-web"


class Settings(BaseSettings):
    """Where the stand-in listens, who may sign in, and for what audience."""

    host: str = Field(default="127.0.0.1", alias="VROEG_HOST")
    port: int = Field(default=8091, alias="VROEG_PORT")
    # A JSON file with a list of users (see `User`); the demo's accounts when unset.
    users: Path | None = Field(default=None, alias="VROEG_IDP_USERS")
    audience: str = Field(default="vroeg", alias="VROEG_IDP_AUDIENCE")
    token_lifetime_s: int = Field(default=3600, alias="VROEG_IDP_TOKEN_LIFETIME_S", gt=0)
    # The clients of the code flow and their registered redirect URIs, as JSON: the web app on
    # its default port when unset.
    clients: dict[str, list[str]] = Field(
        default={WEB_CLIENT_ID: ["http://127.0.0.1:8007/aanmelden/terug"]},
        alias="VROEG_IDP_CLIENTS",
    )
    # Its own base URL as its clients reach it (in a cluster, its Service's); by default
    # http://<host>:<port>, which is not reachable when it listens on 0.0.0.0.
    issuer: str | None = Field(default=None, alias="VROEG_IDP_ISSUER")


def create_app(
    users: list[User],
    *,
    issuer: str,
    audience: str,
    token_lifetime_s: int,
    clients: dict[str, list[str]] | None = None,
) -> FastAPI:
    """The provider's app; `issuer` is its own base URL; `clients` the code flow's clients
    with their redirect URIs (none: only the password grant)."""
    app = FastAPI(title="OpenID Connect provider stand-in", docs_url=None, redoc_url=None)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = secrets.token_hex(8)
    public_jwk: dict[str, Any] = json.loads(
        jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key())
    )
    accounts = {u.username: u for u in users}

    def check_password(username: str, password: str) -> bool:
        user = accounts.get(username)
        return user is not None and secrets.compare_digest(
            user.password.encode(), password.encode()
        )

    def signed(claims: dict[str, Any], typ: str) -> str:
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid, "typ": typ})

    def access_token(user: User, now: int) -> str:
        # RFC 9068: an access token says so in its header.
        return signed(
            {
                "iss": issuer,
                "aud": audience,
                "sub": user.username,
                "name": user.name,
                "roles": user.roles,
                "gemeenten": user.gemeenten,
                "iat": now,
                "exp": now + token_lifetime_s,
                "jti": secrets.token_hex(8),
            },
            "at+jwt",
        )

    code_flow = CodeFlow(clients or {})
    app.include_router(code_flow.router(check_password))

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "grant_types_supported": ["authorization_code", "password"],
            "response_types_supported": ["code"],
            "scopes_supported": ["openid", "profile"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["none"],
        }

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        return {"keys": [{**public_jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        now = int(time.time())
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            try:
                grant = code_flow.redeem(
                    str(form.get("code", "")),
                    client_id=str(form.get("client_id", "")),
                    redirect_uri=str(form.get("redirect_uri", "")),
                    verifier=str(form.get("code_verifier", "")),
                )
            except InvalidGrant as exc:
                return _error("invalid_grant", str(exc))
            user = accounts[grant.username]
            id_token = signed(
                {
                    "iss": issuer,
                    "aud": grant.request.client_id,
                    "sub": user.username,
                    "name": user.name,
                    "roles": user.roles,
                    "gemeenten": user.gemeenten,
                    "nonce": grant.request.nonce,
                    "auth_time": now,
                    "iat": now,
                    "exp": now + token_lifetime_s,
                },
                "JWT",
            )
            return _tokens(access_token(user, now), token_lifetime_s, id_token=id_token)
        if grant_type != "password":
            return _error(
                "unsupported_grant_type", "Only the code and password grants are offered."
            )
        username = str(form.get("username", ""))
        if not check_password(username, str(form.get("password", ""))):
            return _error("invalid_grant", "Unknown user or wrong password.")
        return _tokens(access_token(accounts[username], now), token_lifetime_s)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "UP"}

    return app


def _tokens(access_token: str, lifetime_s: int, *, id_token: str | None = None) -> JSONResponse:
    body = {"access_token": access_token, "token_type": "Bearer", "expires_in": lifetime_s}
    if id_token is not None:
        body["id_token"] = id_token
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _error(code: str, description: str) -> JSONResponse:
    """An OAuth2 error response (RFC 6749 §5.2)."""
    return JSONResponse({"error": code, "error_description": description}, status_code=400)


def main() -> None:
    """Run the stand-in until stopped."""
    settings = Settings()
    users = (
        [User.model_validate(u) for u in json.loads(settings.users.read_text())]
        if settings.users
        else DEMO_USERS
    )
    issuer = settings.issuer or f"http://{settings.host}:{settings.port}"
    uvicorn.run(
        create_app(
            users,
            issuer=issuer,
            audience=settings.audience,
            token_lifetime_s=settings.token_lifetime_s,
            clients=settings.clients,
        ),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
