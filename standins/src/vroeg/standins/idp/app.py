"""The identity-provider stand-in as a process: `vroeg-idp-standin` (OpenID Connect).

Speaks the parts of OpenID Connect and OAuth2 the services rely on: discovery
(`/.well-known/openid-configuration`), the signing keys (`/jwks`), and a token endpoint
(`/token`, the resource-owner password grant) that issues RS256 access tokens with the
claims `roles` and `gemeenten`, like a municipality's provider is configured to.
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


class User(BaseModel):
    """One staff account."""

    username: str
    password: str
    name: str
    roles: list[str]
    gemeenten: list[str]


# The demo's accounts (password = username): one reviewer per municipality, one for a
# shared-service centre serving both, a vroegsignaleerder, an analyst, who may not review, and
# a debt-help professional, who may import the debt-help register, and an operator of
# Amsterdam's intake.
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
    ]
]


class Settings(BaseSettings):
    """Where the stand-in listens, who may sign in, and for what audience."""

    host: str = Field(default="127.0.0.1", alias="VROEG_HOST")
    port: int = Field(default=8091, alias="VROEG_PORT")
    # A JSON file with a list of users (see `User`); the demo's accounts when unset.
    users: Path | None = Field(default=None, alias="VROEG_IDP_USERS")
    audience: str = Field(default="vroeg", alias="VROEG_IDP_AUDIENCE")
    token_lifetime_s: int = Field(default=3600, alias="VROEG_IDP_TOKEN_LIFETIME_S", gt=0)
    # Its own base URL as its clients reach it (in a cluster, its Service's); by default
    # http://<host>:<port>, which is not reachable when it listens on 0.0.0.0.
    issuer: str | None = Field(default=None, alias="VROEG_IDP_ISSUER")


def create_app(users: list[User], *, issuer: str, audience: str, token_lifetime_s: int) -> FastAPI:
    """The provider's app; `issuer` is its own base URL."""
    app = FastAPI(title="OpenID Connect provider stand-in", docs_url=None, redoc_url=None)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = secrets.token_hex(8)
    public_jwk: dict[str, Any] = json.loads(
        jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key())
    )
    accounts = {u.username: u for u in users}

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "grant_types_supported": ["password"],
            "response_types_supported": ["token"],
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
        if form.get("grant_type") != "password":
            return _error("unsupported_grant_type", "Only the password grant is offered.")
        user = accounts.get(str(form.get("username", "")))
        if user is None or not secrets.compare_digest(
            user.password.encode(), str(form.get("password", "")).encode()
        ):
            return _error("invalid_grant", "Unknown user or wrong password.")
        now = int(time.time())
        claims = {
            "iss": issuer,
            "aud": audience,
            "sub": user.username,
            "name": user.name,
            "roles": user.roles,
            "gemeenten": user.gemeenten,
            "iat": now,
            "exp": now + token_lifetime_s,
            "jti": secrets.token_hex(8),
        }
        # RFC 9068: an access token says so in its header.
        access_token = jwt.encode(
            claims, private_key, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"}
        )
        return JSONResponse(
            {"access_token": access_token, "token_type": "Bearer", "expires_in": token_lifetime_s},
            headers={"Cache-Control": "no-store"},
        )

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "UP"}

    return app


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
        ),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
