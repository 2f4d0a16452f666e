"""The web app as a process: `vroeg-web` (port 8007).

Built like every service (settings, its own PostgreSQL schema and migrations, supervised
jobs, `/health`, `/ready`, `/metrics`, logs and traces from `vroeg.shared`), without Kafka:
its pages call the services' APIs with the signed-in user's access token. Errors are pages,
not problem documents.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, MutableMapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from vroeg.shared import metrics, probes
from vroeg.shared.events import now_utc
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.service import Resources, ServiceSpec, entrypoints, running
from vroeg.shared.supervision import PeriodicJob
from vroeg.web import (
    admin_pages,
    auth_pages,
    case_pages,
    monitor_pages,
    plan_pages,
    policy_pages,
    registry_pages,
    repository,
    review_pages,
    shv_pages,
)
from vroeg.web.oidc import IdentityProvider
from vroeg.web.rendering import STATIC, render, templates
from vroeg.web.services import ServiceError, Services
from vroeg.web.sessions import (
    SIGN_IN_PATH,
    CsrfRefused,
    NoAccess,
    NotSignedIn,
    OptionalVisit,
    expired_before,
    runtime,
    session_cookie,
    settings_of,
    visit,
)
from vroeg.web.settings import Settings

log = logging.getLogger(__name__)

# Forms are small; nothing bigger is read.
MAX_BODY_BYTES = 64 * 1024
# No page is framed, inlines script, or loads anything from elsewhere (closed networks).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def purge_job(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """Sessions and sign-ins that ended are deleted (one replica at a time)."""

    async def purge(database: Database) -> None:
        now = now_utc()
        async with database.unit_of_work() as uow:
            await repository.purge(uow.session, now, expired_before(now, settings))

    return [PeriodicJob("session-purge", settings.session_purge_interval_s, purge)]


SPEC = ServiceSpec(
    "web",
    routers=[
        auth_pages.router,
        review_pages.router,
        case_pages.router,
        shv_pages.router,
        monitor_pages.router,
        admin_pages.router,
        policy_pages.router,
        plan_pages.router,
        registry_pages.router,
    ],
    jobs=purge_job,
    messaging=False,
)


def create_app(spec: ServiceSpec, settings: Settings) -> FastAPI:
    """The web app; starting it (its lifespan) opens its database and clients."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with running(spec, settings) as service:
            http = await service.resources.enter_async_context(httpx.AsyncClient(timeout=10.0))
            service.resources.provide(IdentityProvider(settings, http, service.staff))
            service.resources.provide(
                Services(
                    http,
                    {
                        "intake": settings.intake_url,
                        "brp-check": settings.brp_check_url,
                        "matcher": settings.matcher_url,
                        "followup": settings.followup_url,
                        "reporting": settings.reporting_url,
                    },
                )
            )
            app.state.runtime = service
            yield

    app = FastAPI(
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # One server span per page request; probes and the style sheet are not traced. Never
        # FastAPI's own exporters (FASTAPI_OTEL_AUTO_CONFIGURE): past `telemetry.Scrubbed`.
        telemetry={"exclude": _untraced, "auto_configure": False},
    )
    app.state.templates = templates()
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=MAX_BODY_BYTES)
    app.add_middleware(metrics.HttpMetrics)
    app.include_router(probes.router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in spec.routers:
        app.include_router(router)

    @app.get("/", response_class=HTMLResponse)
    async def start(request: Request, visit: OptionalVisit) -> HTMLResponse:
        """What the signed-in user's roles may open (or the way to sign in)."""
        return render(request, "start.html", visit)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith("/static"):
            # Pages show personal data: no shared or browser cache keeps them.
            response.headers["Cache-Control"] = "no-store"
        return response

    _install_error_pages(app)
    return app


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    path = str(scope.get("path", ""))
    return path in ("/health", "/ready", "/metrics") or path.startswith("/static/")


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        query = urlencode({"terug": exc.return_to})
        return RedirectResponse(f"{SIGN_IN_PATH}?{query}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        log.warning("form refused: CSRF token missing or wrong", extra={"path": request.url.path})
        return await _error_page(
            request,
            403,
            "Formulier geweigerd",
            "Dit formulier is niet verwerkt: het kwam niet van deze pagina, of uw sessie is "
            "intussen vernieuwd. Er is niets veranderd.",
            "Open de pagina opnieuw en probeer het nog eens.",
        )

    @app.exception_handler(NoAccess)
    async def no_access(request: Request, exc: NoAccess) -> Response:
        return await _no_access(request)

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        if exc.status == 401:
            # The services no longer take the token: this session is over.
            found = await visit(request)
            if found is not None:
                async with runtime(request).database.unit_of_work() as uow:
                    await repository.end_session(uow.session, found.id_hash)
            response = await _error_page(
                request,
                401,
                "Opnieuw aanmelden",
                "Uw aanmelding is verlopen of niet meer geldig. Meld u opnieuw aan om verder te "
                "werken.",
                sign_in=request.url.path,
            )
            response.delete_cookie(session_cookie(settings_of(request)))
            return response
        if exc.status == 403:
            return await _no_access(request)
        if exc.status == 404:
            return await _not_found(request)
        if exc.status >= 500:
            return await _unavailable(request)
        log.warning(
            "service refused a page's request", extra={"status": exc.status, "code": exc.code}
        )
        return await _error_page(
            request, 500, "Er ging iets mis", "De pagina kon niet worden gemaakt."
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # A path that names no record (not an id) is a page that does not exist.
        if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
            return await _not_found(request)
        return await _error_page(
            request, 400, "Niet mogelijk", "Dit verzoek kan hier niet worden gedaan."
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return await _not_found(request)
        if exc.status_code == 413:
            return await _error_page(request, 413, "Te groot", "Wat u verstuurde is te groot.")
        return await _error_page(
            request, exc.status_code, "Niet mogelijk", "Dit verzoek kan hier niet worden gedaan."
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return await _error_page(
            request, 500, "Er ging iets mis", "De pagina kon niet worden gemaakt."
        )


async def _not_found(request: Request) -> HTMLResponse:
    return await _error_page(
        request,
        404,
        "Niet gevonden",
        "Deze pagina of dit signaal bestaat niet, of hoort bij een gemeente waarvoor u niet werkt.",
    )


async def _no_access(request: Request) -> HTMLResponse:
    return await _error_page(
        request,
        403,
        "Geen toegang",
        "U hebt geen toegang tot deze pagina.",
        "Uw rol of gemeente geeft geen toegang tot deze gegevens. Denkt u dat dit niet "
        "klopt? Neem contact op met uw beheerder.",
    )


async def _unavailable(request: Request) -> HTMLResponse:
    return await _error_page(
        request,
        503,
        "Tijdelijk niet beschikbaar",
        "Een onderdeel dat deze pagina nodig heeft, is nu niet bereikbaar. Er is niets veranderd.",
        "Probeer het over enkele minuten opnieuw.",
    )


async def _error_page(
    request: Request, status: int, title: str, *message: str, sign_in: str | None = None
) -> HTMLResponse:
    found = None
    if sign_in is None:
        # The page shows the menu when the user is known; an error page never fails on it.
        with contextlib.suppress(Exception):
            found = await visit(request)
    return render(
        request,
        "fout.html",
        found,
        status=status,
        title=title,
        message=list(message),
        sign_in=sign_in,
    )


app, main = entrypoints(SPEC, Settings, create_app)
