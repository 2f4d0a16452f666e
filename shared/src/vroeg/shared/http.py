"""HTTP conventions of every service (NL GOV API Design Rules).

`/v1` paths, an `API-Version` header on every response, OpenAPI at `/v1/openapi.json`, and
every error as `application/problem+json`, produced here and nowhere else.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

API_VERSION = "1.0.0"
PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://vroeg.nl/problems/"


class InvalidParam(BaseModel):
    """One field that is wrong."""

    name: str = Field(examples=["address.postcode"])
    code: str = Field(examples=["string_pattern_mismatch"])
    reason: str = Field(examples=["String should match pattern '^[1-9]\\d{3}[A-Z]{2}$'"])


class ProblemDetails(BaseModel):
    """An RFC 9457 problem document, as every error of every service is returned."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(examples=[f"{PROBLEM_BASE}invalid-request"])
    title: str = Field(examples=["The request is not valid."])
    status: int = Field(examples=[400])
    code: str = Field(examples=["invalid-request"])
    detail: str | None = None
    instance: str | None = Field(default=None, examples=["/v1/signalen"])
    invalidParams: list[InvalidParam] | None = None


_DESCRIPTIONS = {
    400: "The request is not valid; `invalidParams` names each wrong field.",
    401: "No valid credentials.",
    403: "The credentials do not allow this.",
    404: "Not found (or not yours).",
    409: "Conflicts with the current state.",
    413: "The request is too large.",
    422: "Well-formed, but against a rule; `detail` names the rule.",
    503: "A dependency is unavailable; try again later.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the given error statuses, all `application/problem+json`."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
        }
        for status in statuses
    }


class Problem(Exception):
    """A domain error that knows its HTTP status; raised by services, rendered here."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int,
    *,
    code: str,
    title: str,
    detail: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {
        "type": f"{PROBLEM_BASE}{code}",
        "title": title,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    # Set here too: a 500 is rendered outside the middleware that adds it to other responses.
    return JSONResponse(
        body,
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={**(headers or {}), "API-Version": API_VERSION},
    )


class ApiVersionHeader:
    """Adds `API-Version` to every response (plain ASGI: no per-request task, no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["API-Version"] = API_VERSION
            await send(message)

        await self.app(scope, receive, send_with_version)


def install_conventions(app: FastAPI) -> None:
    """Add the problem handlers and the `API-Version` header to `app`."""

    app.add_middleware(ApiVersionHeader)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            code=exc.code,
            title=exc.title,
            detail=exc.detail,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        invalid = [
            {
                "name": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
                "code": err["type"],
                "reason": err["msg"],
            }
            for err in exc.errors()
        ]
        return problem_response(
            HTTPStatus.BAD_REQUEST,
            code="invalid-request",
            title="The request is not valid.",
            detail="See invalidParams for each field that is wrong.",
            instance=request.url.path,
            invalidParams=invalid,
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        status = HTTPStatus(exc.status_code)
        return problem_response(
            exc.status_code,
            code=status.phrase.lower().replace(" ", "-"),
            title=status.phrase,
            detail=exc.detail if isinstance(exc.detail, str) else None,
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Nothing of the exception reaches the caller; the log has it, with the trace id.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            code="internal-error",
            title="Internal Server Error",
            instance=request.url.path,
        )


def finish_openapi(api: FastAPI) -> None:
    """Make the generated OpenAPI document follow the ADR: problem+json for every error,
    400 on every operation, the `API-Version` header on every success."""
    build = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        document = build()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        definition = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(definition.pop("$defs", {}))
        schemas["ProblemDetails"] = definition
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                _finish_operation(operation["responses"])
        api.openapi_schema = document
        return document

    api.openapi = openapi  # type: ignore[method-assign]


_VERSION_HEADER = {
    "description": "The full version of the API that answered.",
    "schema": {"type": "string", "example": API_VERSION},
}


def _finish_operation(responses: dict[str, Any]) -> None:
    validation = responses.get("422", {}).get("content", {}).get("application/json")
    if validation is not None:  # FastAPI's own 422: we answer invalid input with a 400 problem
        del responses["422"]
    responses.setdefault("400", problem_responses(400)[400])
    for status, response in responses.items():
        if status.startswith(("2", "3")):
            response.setdefault("headers", {})["API-Version"] = _VERSION_HEADER
