"""HTTP conventions of every service (NL GOV API Design Rules).

`/v1` paths, an `API-Version` header on every response, OpenAPI at `/v1/openapi.json`, and
every error as `application/problem+json`, produced here and nowhere else. Bad input is a 4xx
and cannot exhaust memory: bodies are capped while they stream in, JSON nesting is bounded,
and a validation problem names the fields that are wrong, never the values sent.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core._pydantic_core import list_all_errors
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

API_VERSION = "1.0.0"
PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://vroeg.nl/problems/"
# Every request body is capped while it streams in (Content-Length or chunked); a route that
# takes more says so with FastAPI's `max_body_size`.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Deeper than any body we define; far below the recursion limit json and pydantic run into.
MAX_JSON_DEPTH = 32
# One bad record cannot make an answer (or a stored batch result) of unbounded size.
MAX_INVALID_PARAMS = 20
_NOT_PRINTABLE = re.compile(r"[\x00-\x1F\x7F\uD800-\uDFFF]")


class Refused(ValueError):
    """A change the domain's rules do not allow, saying why. Every service answers it the same
    way, from one handler: a `refused` problem, 422, or the status a subclass names (409 for a
    change the thing's state does not allow now)."""

    status: HTTPStatus = HTTPStatus.UNPROCESSABLE_ENTITY


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


def invalid_request(*params: InvalidParam) -> Problem:
    """A 400 a route finds beyond the schema, naming each wrong field in `invalidParams` as the
    schema's own 400s do (so a form can mark the field)."""
    return Problem(
        HTTPStatus.BAD_REQUEST,
        code="invalid-request",
        title="The request is not valid.",
        detail=" ".join(param.reason for param in params),
        invalidParams=[param.model_dump() for param in params],
    )


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


# Pydantic messages whose placeholder is filled from the input (a date's or a JSON text's
# parse error, a union tag, …): only the text before it is told. `value_error` and
# `assertion_error` carry our own validators' texts, which name no values.
_FROM_INPUT = re.compile(r"\{(?:error|tag|attribute|encoding_error|tz_actual)\}")
_OWN_TEXTS = frozenset({"value_error", "assertion_error"})
_TEMPLATES = {e["type"]: e["message_template_python"] for e in list_all_errors()}


def printable(value: str, limit: int = 200) -> str:
    """Text safe to store and echo: what is not printable becomes U+FFFD; at most `limit`."""
    return _NOT_PRINTABLE.sub("\ufffd", value)[:limit]


def _reason(error: Mapping[str, Any]) -> str:
    template = _TEMPLATES.get(error["type"], "")
    placeholder = _FROM_INPUT.search(template)
    if placeholder is None or error["type"] in _OWN_TEXTS:
        return printable(str(error["msg"]))
    return template[: placeholder.start()].rstrip(" ,:") or "Invalid value"


def invalid_params(
    errors: Iterable[Mapping[str, Any]],
    *,
    skip: int = 0,
    root: str = "body",
    limit: int = MAX_INVALID_PARAMS,
) -> list[dict[str, str]]:
    """Pydantic's errors as `invalidParams`: the field, the error type and a reason, never the
    value sent (its `input` and `ctx` may hold a name or a BSN); at most `limit`.

    `skip` drops leading location parts (FastAPI's `body`); `root` names the whole.
    """
    params: list[dict[str, str]] = []
    for error in errors:
        if len(params) == limit:
            break
        # A mapping key that failed is the caller's text: "*" stands for it.
        parts = list(error["loc"][skip:])
        location = [
            "*" if after == "[key]" else part
            for part, after in zip(parts, [*parts[1:], None], strict=False)
        ]
        params.append(
            {
                "name": printable(".".join(str(p) for p in location), 100) or root,
                "code": str(error["type"]),
                "reason": _reason(error),
            }
        )
    return params


def parse_json(raw: bytes) -> Any:
    """A JSON body, or a 400 problem when it is not JSON or nests deeper than MAX_JSON_DEPTH."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:
        raise _too_deep() from exc
    except ValueError as exc:
        raise Problem(
            HTTPStatus.BAD_REQUEST, code="invalid-json", title="The body is not JSON."
        ) from exc
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise _too_deep()
    return value


def _too_deep() -> Problem:
    return Problem(
        HTTPStatus.BAD_REQUEST,
        code="json-too-deep",
        title="The body nests too deeply.",
        detail=f"JSON may nest at most {MAX_JSON_DEPTH} levels deep.",
    )


def _depth_exceeds(value: Any, limit: int) -> bool:
    # Iterative, so a deep value cannot exhaust the stack here either.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[Any] = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


Guard = Callable[[Request], Awaitable[object]]


def guarded_route(guard: Guard) -> type[APIRoute]:
    """A route class whose routes run `guard` (authentication) before the body is read at all:
    FastAPI reads and parses a body before it solves any dependency."""

    class GuardedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                await guard(request)
                return await handler(request)

            return guarded

    return GuardedRoute


_TOO_LARGE = json.dumps(
    {
        "type": f"{PROBLEM_BASE}content-too-large",
        "title": "Content Too Large",
        "status": 413,
        "code": "content-too-large",
    }
).encode()


class ApiVersionHeader:
    """Adds `API-Version` to every response (plain ASGI: no per-request task, no buffering).

    Starlette's body limit answers a too-large Content-Length in plain text when the route
    answers before reading the body; that answer becomes a problem document here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rewriting = False

        async def send_with_version(message: Message) -> None:
            nonlocal rewriting
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["API-Version"] = API_VERSION
                if message["status"] == 413 and headers.get("content-type", "").startswith(
                    "text/plain"
                ):
                    rewriting = True
                    headers["content-type"] = PROBLEM_JSON
                    headers["content-length"] = str(len(_TOO_LARGE))
            elif message["type"] == "http.response.body" and rewriting:
                message = {"type": "http.response.body", "body": _TOO_LARGE, "more_body": False}
                rewriting = False
            await send(message)

        await self.app(scope, receive, send_with_version)


def install_conventions(app: FastAPI, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
    """Add the problem handlers, the body cap and the `API-Version` header to `app`."""

    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=max_body_bytes)
    app.add_middleware(ApiVersionHeader)  # outside the cap, so that its answers pass here

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

    @app.exception_handler(Refused)
    async def on_refused(request: Request, exc: Refused) -> JSONResponse:
        return problem_response(
            exc.status,
            code="refused",
            title="Not allowed by the rules.",
            detail=str(exc),
            instance=request.url.path,
        )

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        invalid = invalid_params(exc.errors(), skip=1)
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
