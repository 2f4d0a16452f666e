"""Calling the services' APIs as the signed-in user: their own access token on every call, so
the services' roles and municipality scoping decide what the pages show."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import Request

from vroeg.web.sessions import Visit, runtime

log = logging.getLogger(__name__)

# A page waits no longer than this for a service.
SERVICE_TIMEOUT_S = 10.0


@dataclass
class ServiceError(Exception):
    """A service answered with an error (or not at all: status 503); `problem` is its
    problem+json document, or empty."""

    status: int
    problem: dict[str, Any]

    @property
    def code(self) -> str:
        """The problem's `code` (e.g. `already-decided`), or empty."""
        return str(self.problem.get("code", ""))

    def invalid_fields(self) -> set[str]:
        """The fields a 400 names in `invalidParams`."""
        params = self.problem.get("invalidParams") or []
        return {str(p.get("name", "")) for p in params if isinstance(p, dict)}


class Services:
    """One HTTP client for every call to the services (base URLs by service name)."""

    def __init__(self, http: httpx.AsyncClient, base_urls: dict[str, str]) -> None:
        self._http = http
        self._base_urls = base_urls

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """The JSON a service answers to `method path` (under `/v1`; None for no content), or
        ServiceError."""
        url = f"{self._base_urls[service].rstrip('/')}/v1{path}"
        try:
            response = await self._http.request(
                method,
                url,
                json=json,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=SERVICE_TIMEOUT_S,
            )
        except httpx.HTTPError as exc:
            # The path may hold a record's id, never personal data; the error type says enough.
            log.warning(
                "service unreachable", extra={"service": service, "error": type(exc).__name__}
            )
            raise ServiceError(503, {}) from exc
        if response.is_success:
            return response.json() if response.content else None
        raise _refused(response)

    async def stream(
        self, service: str, path: str, *, token: str, params: dict[str, str] | None = None
    ) -> httpx.Response:
        """`GET path` (under `/v1`) left open to be streamed on (the caller closes it), or
        ServiceError."""
        url = f"{self._base_urls[service].rstrip('/')}/v1{path}"
        request = self._http.build_request(
            "GET",
            url,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=SERVICE_TIMEOUT_S,
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.HTTPError as exc:
            log.warning(
                "service unreachable", extra={"service": service, "error": type(exc).__name__}
            )
            raise ServiceError(503, {}) from exc
        if response.is_success:
            return response
        await response.aread()
        await response.aclose()
        raise _refused(response)


def _refused(response: httpx.Response) -> ServiceError:
    try:
        problem = response.json()
    except ValueError:
        problem = {}
    return ServiceError(response.status_code, problem if isinstance(problem, dict) else {})


async def call_as(
    request: Request, visit: Visit, service: str, method: str, path: str, **kw: Any
) -> Any:
    """`Services.call` with the signed-in user's own access token."""
    services = runtime(request).resources.get(Services)
    return await services.call(service, method, path, token=visit.session.access_token, **kw)


async def served_municipalities(request: Request, token: str) -> list[str]:
    """The municipalities in the token's `gemeenten` claim that this deployment's tenant
    registry serves (intake's `GET /v1/gemeenten`): the only ones the pages offer."""
    services = runtime(request).resources.get(Services)
    served = await services.call("intake", "GET", "/gemeenten", token=token)
    return sorted(served["municipalities"])
