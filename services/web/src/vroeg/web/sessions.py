"""Server-side sessions and CSRF protection.

The browser holds only an opaque random cookie (HttpOnly, SameSite=Lax, and Secure with the
`__Host-` prefix whenever the app is reached over HTTPS); the session itself lives in the web
app's PostgreSQL schema, found by the cookie's SHA-256, so every replica knows it and signing
out ends it everywhere. A session ends when its access token expires, after
`VROEG_WEB_SESSION_IDLE_S` without a request, or at sign-out.

Every form carries the session's CSRF token; a POST without it, or with another, is refused
(403) before anything is done.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from vroeg.shared.events import now_utc
from vroeg.shared.service import Runtime
from vroeg.web import repository
from vroeg.web.models import StaffSession
from vroeg.web.settings import Settings

# The cookie that binds a sign-in under way to the browser that started it.
SIGN_IN_COOKIE = "vroeg-aanmelding"
SIGN_IN_PATH = "/aanmelden"
CSRF_FIELD = "csrf_token"


class NotSignedIn(Exception):
    """The page needs a signed-in user; `return_to` is where to come back after signing in."""

    def __init__(self, return_to: str) -> None:
        super().__init__(return_to)
        self.return_to = return_to


class CsrfRefused(Exception):
    """A form came without this session's CSRF token."""


class NoAccess(Exception):
    """The signed-in user's roles do not open this page (a 403 page)."""


def new_secret() -> str:
    """An unguessable token (256 bits)."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """What the database keeps of a browser's secret."""
    return hashlib.sha256(value.encode()).hexdigest()


def session_cookie(settings: Settings) -> str:
    """The session cookie's name: `__Host-` (Secure, this host only, path /) over HTTPS."""
    return "__Host-vroeg-sessie" if settings.secure_cookies else "vroeg-sessie"


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, *, max_age: int, path: str = "/"
) -> None:
    """An HttpOnly, SameSite=Lax cookie, Secure over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def runtime(request: Request) -> Runtime:
    """The running web app's parts."""
    value: Runtime = request.app.state.runtime
    return value


def settings_of(request: Request) -> Settings:
    """The web app's settings."""
    settings = runtime(request).settings
    assert isinstance(settings, Settings)
    return settings


@dataclass(frozen=True)
class Visit:
    """A request of a signed-in user: their session, and the cookie's hash that names it."""

    session: StaffSession
    id_hash: str

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(self.session.roles)

    @property
    def municipalities(self) -> list[str]:
        return sorted(self.session.municipalities)


async def start_session(request: Request, response: Response, session: StaffSession) -> None:
    """Store a new session (a fresh id: never one the browser had before) and set its cookie."""
    settings = settings_of(request)
    cookie = new_secret()
    session.id_hash = digest(cookie)
    async with runtime(request).database.unit_of_work() as uow:
        await repository.add_session(uow.session, session)
    lifetime = max(0, int((session.expires_at - now_utc()).total_seconds()))
    set_cookie(response, settings, session_cookie(settings), cookie, max_age=lifetime)


async def visit(request: Request) -> Visit | None:
    """The signed-in user's live session, or None."""
    settings = settings_of(request)
    cookie = request.cookies.get(session_cookie(settings))
    if not cookie:
        return None
    id_hash = digest(cookie)
    now = now_utc()
    async with runtime(request).database.unit_of_work() as uow:
        session = await repository.touch_session(
            uow.session, id_hash, now, expired_before(now, settings)
        )
    return Visit(session, id_hash) if session is not None else None


async def signed_in(request: Request) -> Visit:
    """The signed-in user's session, or NotSignedIn (the page sends them to sign in)."""
    found = await visit(request)
    if found is None:
        return_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NotSignedIn(return_to if request.method == "GET" else "/")
    return found


async def checked_form(request: Request, visit: Annotated[Visit, Depends(signed_in)]) -> FormData:
    """The posted form, once its CSRF token is this session's (else CsrfRefused: 403)."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not secrets.compare_digest(
        token.encode(), visit.session.csrf_token.encode()
    ):
        raise CsrfRefused()
    return form


def requires_role(role: str) -> Callable[..., Awaitable[Visit]]:
    """A dependency: the signed-in user, who must hold `role` (else NoAccess: the 403 page).
    For pages that show something before any service is asked; the services check again."""

    async def with_role(visit: Annotated[Visit, Depends(signed_in)]) -> Visit:
        if role not in visit.roles:
            raise NoAccess()
        return visit

    return with_role


def safe_return_path(value: str | None) -> str:
    """A path on this app to go back to after signing in; anything else (another site, a
    scheme-relative `//host`) becomes the start page."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def expired_before(now: datetime, settings: Settings) -> datetime:
    """The last request time before which a session counts as idle."""
    return now - timedelta(seconds=settings.session_idle_timeout_s)


SignedIn = Annotated[Visit, Depends(signed_in)]
OptionalVisit = Annotated[Visit | None, Depends(visit)]
CheckedForm = Annotated[FormData, Depends(checked_form)]
