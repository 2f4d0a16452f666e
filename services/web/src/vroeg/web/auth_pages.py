"""Signing in and out, and choosing the municipality the pages show."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vroeg.shared.events import now_utc
from vroeg.shared.staff import IdentityProviderUnavailable
from vroeg.web import repository
from vroeg.web.models import SignIn, StaffSession
from vroeg.web.oidc import IdentityProvider, PkcePair, SignInFailed
from vroeg.web.rendering import render
from vroeg.web.services import ServiceError, served_municipalities
from vroeg.web.sessions import (
    SIGN_IN_COOKIE,
    SIGN_IN_PATH,
    CheckedForm,
    SignedIn,
    digest,
    new_secret,
    runtime,
    safe_return_path,
    session_cookie,
    set_cookie,
    settings_of,
    start_session,
)

log = logging.getLogger(__name__)
router = APIRouter()
# The browser has this long to sign in at the provider and come back.
SIGN_IN_LIFETIME_S = 600
# What sign-in needs besides the browser, as its unavailability page names them.
PROVIDER = "de aanmeldvoorziening"
REGISTRY = "het register van gemeenten"


def _provider(request: Request) -> IdentityProvider:
    return runtime(request).resources.get(IdentityProvider)


@router.get(SIGN_IN_PATH)
async def sign_in(
    request: Request, terug: Annotated[str | None, Query(max_length=2000)] = None
) -> Response:
    """Send the browser to the identity provider (state, nonce and PKCE remembered here)."""
    state, nonce, browser, pkce = new_secret(), new_secret(), new_secret(), PkcePair.new()
    try:
        url = await _provider(request).authorization_url(state=state, nonce=nonce, pkce=pkce)
    except IdentityProviderUnavailable as exc:
        log.warning("identity provider unavailable", extra={"error": str(exc)})
        return _unavailable(request, PROVIDER)
    async with runtime(request).database.unit_of_work() as uow:
        await repository.add_sign_in(
            uow.session,
            SignIn(
                state=state,
                browser_hash=digest(browser),
                nonce=nonce,
                code_verifier=pkce.verifier,
                return_to=safe_return_path(terug),
                expires_at=now_utc() + timedelta(seconds=SIGN_IN_LIFETIME_S),
            ),
        )
    response = RedirectResponse(url, status_code=303)
    set_cookie(
        response,
        settings_of(request),
        SIGN_IN_COOKIE,
        browser,
        max_age=SIGN_IN_LIFETIME_S,
        path=SIGN_IN_PATH,
    )
    return response


@router.get(f"{SIGN_IN_PATH}/terug")
async def signed_in_at_provider(
    request: Request,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=2000)] = "",
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The provider sent the browser back: check the state against this browser's sign-in,
    exchange the code, start the session."""
    async with runtime(request).database.unit_of_work() as uow:
        pending = await repository.take_sign_in(uow.session, state, now_utc()) if state else None
    browser = request.cookies.get(SIGN_IN_COOKIE, "")
    if pending is None or not browser or digest(browser) != pending.browser_hash:
        log.info("sign-in refused", extra={"reason": "unknown state or another browser"})
        return _sign_in_failed(request)
    if error is not None or not code:
        log.info("sign-in refused", extra={"reason": f"provider answered {error}"})
        return _sign_in_failed(request)
    try:
        tokens = await _provider(request).exchange(
            code, verifier=pending.code_verifier, nonce=pending.nonce
        )
    except IdentityProviderUnavailable as exc:
        log.warning("identity provider unavailable", extra={"error": str(exc)})
        return _unavailable(request, PROVIDER)
    except SignInFailed as exc:
        log.info("sign-in refused", extra={"reason": str(exc)})
        return _sign_in_failed(request)
    try:
        # Of the municipalities the user works for, the pages offer those served here.
        municipalities = await served_municipalities(request, tokens.access_token)
    except ServiceError as exc:
        log.warning("served municipalities unknown", extra={"status": exc.status})
        return _unavailable(request, REGISTRY)
    member, now = tokens.member, now_utc()
    response = RedirectResponse(pending.return_to, status_code=303)
    await start_session(
        request,
        response,
        StaffSession(
            subject=member.subject,
            name=member.name,
            roles=sorted(member.roles),
            municipalities=municipalities,
            municipality=None,
            access_token=tokens.access_token,
            csrf_token=new_secret(),
            created_at=now,
            last_seen_at=now,
            expires_at=tokens.expires_at,
        ),
    )
    response.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PATH)
    log.info("signed in", extra={"subject": member.subject})
    return response


@router.post("/afmelden")
async def sign_out(request: Request, visit: SignedIn, form: CheckedForm) -> HTMLResponse:
    """End the session, on every replica."""
    async with runtime(request).database.unit_of_work() as uow:
        await repository.end_session(uow.session, visit.id_hash)
    response = render(request, "afgemeld.html", None)
    settings = settings_of(request)
    response.delete_cookie(
        session_cookie(settings), httponly=True, secure=settings.secure_cookies, samesite="lax"
    )
    return response


@router.post("/gemeente")
async def choose_municipality(request: Request, visit: SignedIn, form: CheckedForm) -> Response:
    """Show one of the user's municipalities served here, or all of them (empty)."""
    chosen = str(form.get("gemeente", ""))
    if chosen and chosen not in visit.municipalities:
        return render(
            request,
            "fout.html",
            visit,
            status=403,
            title="Geen toegang",
            message=["U werkt niet voor deze gemeente."],
        )
    async with runtime(request).database.unit_of_work() as uow:
        await repository.choose_municipality(uow.session, visit.id_hash, chosen or None)
    return RedirectResponse(safe_return_path(str(form.get("terug", ""))), status_code=303)


def _sign_in_failed(request: Request) -> HTMLResponse:
    return render(
        request,
        "fout.html",
        None,
        status=400,
        title="Aanmelden is niet gelukt",
        message=[
            "De aanmelding kon niet worden afgerond: ze was verlopen, al gebruikt of in een "
            "andere browser begonnen.",
            "Meld u opnieuw aan.",
        ],
        sign_in="/",
    )


def _unavailable(request: Request, what: str) -> HTMLResponse:
    return render(
        request,
        "fout.html",
        None,
        status=503,
        title="Tijdelijk niet beschikbaar",
        message=[
            f"Aanmelden kan nu niet: {what} is niet bereikbaar.",
            "Probeer het over enkele minuten opnieuw.",
        ],
    )
