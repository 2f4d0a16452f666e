"""The authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636), as a municipality's provider
runs it for a web app: `/authorize` shows a sign-in form, sends the browser back to the client's
registered `redirect_uri` with a one-time code, and `/token` exchanges that code, once, for the
tokens, when the client proves with its `code_verifier` that it started the sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import QueryParams

# A code is exchanged at once by the client's server; one left lying longer is not honoured.
CODE_LIFETIME_S = 60
# A sign-in form left open longer than this has to be started again from the web app.
PENDING_LIFETIME_S = 600


@dataclass(frozen=True)
class AuthorizationRequest:
    """What a client asked for at `/authorize`, kept until the user signed in."""

    client_id: str
    redirect_uri: str
    state: str
    nonce: str
    code_challenge: str
    expires: float


@dataclass(frozen=True)
class Grant:
    """A code handed out: who signed in, for which request."""

    request: AuthorizationRequest
    username: str
    expires: float


# Whether a username and password belong together.
CheckPassword = Callable[[str, str], bool]


class InvalidGrant(Exception):
    """The code exchange is refused; the message is the OAuth2 error description."""


def s256(verifier: str) -> str:
    """The S256 code challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class CodeFlow:
    """Pending sign-ins and issued codes, in memory (a stand-in runs as one process)."""

    def __init__(self, clients: dict[str, list[str]]) -> None:
        self._clients = clients
        self._pending: dict[str, AuthorizationRequest] = {}
        self._codes: dict[str, Grant] = {}

    def redeem(self, code: str, *, client_id: str, redirect_uri: str, verifier: str) -> Grant:
        """The grant a code stands for; the code is used up whether or not the exchange
        succeeds (RFC 6749 §4.1.2: a code is used once)."""
        grant = self._codes.pop(code, None)
        if grant is None or grant.expires < time.time():
            raise InvalidGrant("Unknown, used or expired code.")
        if grant.request.client_id != client_id:
            raise InvalidGrant("The code was issued to another client.")
        if grant.request.redirect_uri != redirect_uri:
            raise InvalidGrant("redirect_uri differs from the authorization request's.")
        if not secrets.compare_digest(
            s256(verifier).encode(), grant.request.code_challenge.encode()
        ):
            raise InvalidGrant("code_verifier does not match the code_challenge.")
        return grant

    def router(self, check_password: CheckPassword) -> APIRouter:
        """`GET /authorize` (the form) and `POST /authorize` (signing in)."""
        routes = APIRouter()

        @routes.get("/authorize", response_model=None)
        async def authorize(request: Request) -> Response:
            asked = request.query_params
            client_id, redirect_uri = asked.get("client_id", ""), asked.get("redirect_uri", "")
            # §4.1.2.1: with an unknown client or redirect URI the user is told, never sent on.
            if redirect_uri not in self._clients.get(client_id, []):
                return _page(
                    "Aanmelden niet mogelijk",
                    "<p>De toepassing die u hierheen stuurde is hier niet bekend.</p>",
                    status=400,
                )
            state = asked.get("state", "")
            problem = _request_problem(asked)
            if problem:
                return _redirect(
                    redirect_uri, error="invalid_request", description=problem, state=state
                )
            pending_id = secrets.token_urlsafe(24)
            self._pending[pending_id] = AuthorizationRequest(
                client_id=client_id,
                redirect_uri=redirect_uri,
                state=state,
                nonce=asked.get("nonce", ""),
                code_challenge=asked.get("code_challenge", ""),
                expires=time.time() + PENDING_LIFETIME_S,
            )
            return _login_form(pending_id)

        @routes.post("/authorize", response_model=None)
        async def sign_in(request: Request) -> Response:
            form = await request.form()
            pending_id = str(form.get("request", ""))
            pending = self._pending.get(pending_id)
            if pending is None or pending.expires < time.time():
                return _page(
                    "Aanmelden verlopen",
                    "<p>Deze aanmelding is verlopen. Ga terug naar de toepassing en meld u "
                    "opnieuw aan.</p>",
                    status=400,
                )
            username = str(form.get("username", ""))
            if not check_password(username, str(form.get("password", ""))):
                return _login_form(pending_id, failed=True)
            del self._pending[pending_id]
            code = secrets.token_urlsafe(32)
            self._codes[code] = Grant(pending, username, time.time() + CODE_LIFETIME_S)
            return _redirect(pending.redirect_uri, code=code, state=pending.state)

        return routes


def _request_problem(asked: QueryParams) -> str | None:
    if asked.get("response_type") != "code":
        return "Only response_type=code is offered."
    if "openid" not in asked.get("scope", "").split():
        return "scope must include openid."
    if not asked.get("nonce"):
        return "nonce is required."
    if asked.get("code_challenge_method") != "S256" or len(asked.get("code_challenge", "")) != 43:
        return "PKCE with code_challenge_method=S256 is required."
    return None


def _redirect(uri: str, *, state: str, **params: str | None) -> RedirectResponse:
    query = {k: v for k, v in params.items() if v is not None}
    if state:
        query["state"] = state
    if "description" in query:
        query["error_description"] = query.pop("description")
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(query)}", status_code=303)


def _login_form(pending_id: str, *, failed: bool = False) -> HTMLResponse:
    error = (
        '<p class="fout" id="fout" role="alert">Onbekende gebruikersnaam of onjuist '
        "wachtwoord. Probeer het opnieuw.</p>"
        if failed
        else ""
    )
    described = ' aria-describedby="fout" aria-invalid="true"' if failed else ""
    body = f"""{error}
<form method="post" action="/authorize">
  <input type="hidden" name="request" value="{escape(pending_id)}">
  <p><label for="username">Gebruikersnaam</label>
  <input id="username" name="username" autocomplete="username" required autofocus{described}></p>
  <p><label for="password">Wachtwoord</label>
  <input id="password" name="password" type="password" autocomplete="current-password"
    required{described}></p>
  <p><button type="submit">Aanmelden</button></p>
</form>
<p class="uitleg">Dit is de aanmeldvoorziening voor ontwikkeling en tests. De demo-accounts
hebben hun naam als wachtwoord, bijvoorbeeld <code>reviewer-0363</code>.</p>"""
    return _page("Aanmelden bij de gemeente", body, status=200)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #fff;
  line-height: 1.5; }
main { max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }
label { display: block; font-weight: 600; }
input { font: inherit; padding: .4rem; width: 100%; box-sizing: border-box;
  border: 2px solid #505050; border-radius: 3px; }
button { font: inherit; padding: .5rem 1.2rem; background: #0b4f8a; color: #fff;
  border: 2px solid #0b4f8a; border-radius: 3px; cursor: pointer; }
:focus-visible { outline: 3px solid #c45a00; outline-offset: 2px; }
.fout { color: #a4001b; font-weight: 600; }
.uitleg { color: #3d3d3d; font-size: .95rem; }
"""


def _page(title: str, body: str, *, status: int) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="nl">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_STYLE}</style></head>
<body><main><h1>{escape(title)}</h1>
{body}
</main></body></html>"""
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})
