"""The BRP stand-in as a process: `vroeg-brp-standin` (Haal Centraal BRP Personen v2)."""

from __future__ import annotations

import json
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
from vroeg.standins.brp.store import PersonStore, QueryError

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


def create_app(store: PersonStore) -> FastAPI:
    """The stand-in's app over a store of persons."""
    app = FastAPI(title="BRP Personen v2 stand-in", docs_url=None, redoc_url=None)

    @app.post(f"{BASE_PATH}/personen")
    async def personen(request: Request) -> JSONResponse:
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _problem(QueryError("Het request bevat geen geldige JSON.", []))
        try:
            answer = store.query(body)
        except QueryError as exc:
            return _problem(exc)
        return JSONResponse(answer, media_type=MEDIA_TYPE)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "persons": len(store)}

    return app


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
    if settings.data is None:
        records = demo_population()
    elif settings.data.suffix == ".csv":
        records = load_rvig(settings.data, settings.municipalities)
    else:
        records = json.loads(settings.data.read_text())
    uvicorn.run(
        create_app(PersonStore(records)),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=2,  # clients keep connections alive; do not wait on them
    )
