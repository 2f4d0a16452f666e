"""The BRP stand-in as a process: `vroeg-brp-standin` (Haal Centraal BRP Personen v2)."""

from __future__ import annotations

import base64
import gc
import json
import secrets
import ssl
import time
from collections import Counter
from http import HTTPStatus
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from pydantic_settings import BaseSettings

from vroeg.standins.brp.population import demo_population
from vroeg.standins.brp.rvig import load_rvig
from vroeg.standins.brp.spec import validate_query
from vroeg.standins.brp.store import PersonStore, QueryError
from vroeg.standins.brp.synthetic import DEFAULT_MUNICIPALITIES, synthetic_population

BASE_PATH = "/haalcentraal/api/brp"
MEDIA_TYPE = "application/json; charset=utf-8"


class Settings(BaseSettings):
    """Where the stand-in listens and which persons it holds."""

    host: str = Field(default="127.0.0.1", alias="VROEG_HOST")
    port: int = Field(default=8090, alias="VROEG_PORT")
    # A JSON file with a list of `Persoon` records, or RvIG's test population CSV (GBA-V
    # columns, converted on load); the demo population when unset.
    data: Path | None = Field(default=None, alias="VROEG_BRP_DATA")
    # Table 33 (municipality codes and names), for the names in converted RvIG records.
    municipalities: Path | None = Field(default=None, alias="VROEG_BRP_MUNICIPALITIES")
    # `client-id:secret,…`: when set, /personen wants an OAuth2 bearer token from
    # POST /oauth/token (client-credentials grant), as the production gateway does.
    oauth_clients: str = Field(default="", alias="VROEG_BRP_OAUTH_CLIENTS")
    # Instead of a file: this many persons of the synthetic population, from this seed, in
    # these municipalities (`national`, or CBS codes with optional sizes: `0363:900000,0599`).
    synthetic: int = Field(default=0, alias="VROEG_BRP_SYNTHETIC", ge=0)
    synthetic_seed: int = Field(default=1, alias="VROEG_BRP_SYNTHETIC_SEED")
    synthetic_municipalities: str = Field(
        default=DEFAULT_MUNICIPALITIES, alias="VROEG_BRP_SYNTHETIC_MUNICIPALITIES"
    )
    # HTTPS with this certificate and key; with a client CA, mutual TLS as the gateway demands:
    # a client without a certificate that CA signed does not get through the handshake.
    tls_cert: Path | None = Field(default=None, alias="VROEG_TLS_CERT")
    tls_key: Path | None = Field(default=None, alias="VROEG_TLS_KEY")
    tls_client_ca: Path | None = Field(default=None, alias="VROEG_TLS_CLIENT_CA")


def create_app(store: PersonStore, oauth_clients: dict[str, str] | None = None) -> FastAPI:
    """The stand-in's app over a store of persons; with clients, it wants OAuth2 tokens."""
    app = FastAPI(title="BRP Personen v2 stand-in", docs_url=None, redoc_url=None)
    tokens: dict[str, float] = {}
    # Queries answered, by their `type`: what a benchmark reads as BRP calls per signal.
    queries: Counter[str] = Counter()

    @app.post("/oauth/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        client = _basic_auth(request.headers.get("Authorization", ""))
        if (
            form.get("grant_type") != "client_credentials"
            or client is None
            or (oauth_clients or {}).get(client[0]) != client[1]
        ):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        issued = secrets.token_urlsafe(24)
        tokens[issued] = time.monotonic() + TOKEN_LIFETIME_S
        return JSONResponse(
            {"access_token": issued, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S}
        )

    @app.post(f"{BASE_PATH}/personen")
    async def personen(request: Request) -> JSONResponse:
        if oauth_clients:
            bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
            if tokens.get(bearer, 0.0) < time.monotonic():
                return JSONResponse(
                    {
                        "type": "https://datatracker.ietf.org/doc/html/rfc7235#section-3.1",
                        "title": "Niet correct geauthenticeerd.",
                        "status": 401,
                        "instance": f"{BASE_PATH}/personen",
                        "code": "authentication",
                    },
                    status_code=401,
                    media_type="application/problem+json",
                )
        if not _is_request_media_type(request.headers.get("content-type", "")):
            return _unsupported_media_type()
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _problem(QueryError("Het request bevat geen geldige JSON.", []))
        try:
            validate_query(body)
            answer = store.query(body)
        except QueryError as exc:
            return _problem(exc)
        queries[body["type"]] += 1
        return JSONResponse(answer, media_type=MEDIA_TYPE)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "persons": len(store), "queries": dict(queries)}

    return app


TOKEN_LIFETIME_S = 300


def _basic_auth(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return client_id, secret


def _is_request_media_type(header: str) -> bool:
    """The spec's only request media type, `application/json; charset=utf-8` (any case or
    spacing): anything else is answered 415, as the spec's responses allow."""
    media_type, *parameters = (part.strip().lower() for part in header.split(";"))
    return media_type == "application/json" and parameters == ["charset=utf-8"]


def _unsupported_media_type() -> JSONResponse:
    return JSONResponse(
        {
            "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.16",
            "title": "Media Type wordt niet ondersteund.",
            "status": HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "instance": f"{BASE_PATH}/personen",
            "code": "unsupported",
        },
        status_code=HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        media_type="application/problem+json",
    )


def _problem(exc: QueryError) -> JSONResponse:
    return JSONResponse(
        {
            "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
            "title": exc.title,
            "status": HTTPStatus.BAD_REQUEST,
            "instance": f"{BASE_PATH}/personen",
            "code": "paramsValidation",
            "invalidParams": exc.params,
        },
        status_code=HTTPStatus.BAD_REQUEST,
        media_type="application/problem+json",
    )


def main() -> None:
    """Run the stand-in until stopped."""
    settings = Settings()
    if settings.synthetic:
        # Millions of small objects that live as long as the process: no collector passes
        # while they are made, and none over them afterwards.
        gc.disable()
        records = list(
            synthetic_population(
                settings.synthetic,
                seed=settings.synthetic_seed,
                municipalities=settings.synthetic_municipalities,
            )
        )
    elif settings.data is None:
        records = demo_population()
    elif settings.data.suffix == ".csv":
        records = load_rvig(settings.data, settings.municipalities)
    else:
        records = json.loads(settings.data.read_text())
    store = PersonStore(records)
    gc.freeze()
    gc.enable()
    clients = dict(pair.split(":", 1) for pair in settings.oauth_clients.split(",") if ":" in pair)
    uvicorn.run(
        create_app(store, clients),
        host=settings.host,
        port=settings.port,
        ssl_certfile=settings.tls_cert,
        ssl_keyfile=settings.tls_key,
        ssl_ca_certs=settings.tls_client_ca,
        ssl_cert_reqs=ssl.CERT_REQUIRED if settings.tls_client_ca else ssl.CERT_NONE,
        log_level="warning",
        timeout_graceful_shutdown=2,  # clients keep connections alive; do not wait on them
    )
