"""The identity-provider stand-in's authorization code flow with PKCE: it sends a browser back
only to a registered redirect URI, and exchanges a code once, for the client that asked, with
the verifier of the challenge it was given (RFC 6749 §4.1, RFC 7636, OpenID Connect Core §3.1)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from vroeg.standins.idp.app import DEMO_USERS, create_app

ISSUER = "http://idp.test"
CLIENT = "vroeg-web"
BACK = "http://web.test/aanmelden/terug"
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
async def idp() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        DEMO_USERS, issuer=ISSUER, audience="vroeg", token_lifetime_s=600, clients={CLIENT: [BACK]}
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
        yield http


def authorize_params(**changes: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": CLIENT,
        "redirect_uri": BACK,
        "scope": "openid profile",
        "state": "de-state",
        "nonce": "de-nonce",
        "code_challenge": challenge(VERIFIER),
        "code_challenge_method": "S256",
        **changes,
    }


async def sign_in(idp: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    form = await idp.get("/authorize", params=authorize_params())
    assert form.status_code == 200
    assert '<html lang="nl">' in form.text
    pending = form.text.split('name="request" value="')[1].split('"')[0]
    return await idp.post(
        "/authorize", data={"request": pending, "username": username, "password": password}
    )


async def code_of(idp: httpx.AsyncClient) -> str:
    back = await sign_in(idp, "reviewer-0363", "reviewer-0363")
    assert back.status_code == 303
    location = urlsplit(back.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == BACK
    query = parse_qs(location.query)
    assert query["state"] == ["de-state"]
    return query["code"][0]


def exchange(code: str, **changes: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": CLIENT,
        "redirect_uri": BACK,
        "code_verifier": VERIFIER,
        **changes,
    }


async def test_a_code_gives_an_id_token_with_the_nonce_and_an_access_token(
    idp: httpx.AsyncClient,
) -> None:
    tokens = await idp.post("/token", data=exchange(await code_of(idp)))
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    keys = {k["kid"]: k for k in (await idp.get("/jwks")).json()["keys"]}

    def verified(token: str, audience: str) -> dict[str, object]:
        key = jwt.PyJWK(keys[jwt.get_unverified_header(token)["kid"]])
        claims: dict[str, object] = jwt.decode(
            token, key=key, algorithms=["RS256"], audience=audience, issuer=ISSUER
        )
        return claims

    id_claims = verified(body["id_token"], CLIENT)
    assert id_claims["nonce"] == "de-nonce"
    assert id_claims["sub"] == "reviewer-0363"
    assert jwt.get_unverified_header(body["id_token"])["typ"] == "JWT"
    access = verified(body["access_token"], "vroeg")
    assert access["roles"] == ["reviewer"]
    assert access["gemeenten"] == ["0363"]
    assert jwt.get_unverified_header(body["access_token"])["typ"] == "at+jwt"
    discovery = (await idp.get("/.well-known/openid-configuration")).json()
    assert discovery["authorization_endpoint"] == f"{ISSUER}/authorize"
    assert discovery["code_challenge_methods_supported"] == ["S256"]


async def test_a_code_is_exchanged_once(idp: httpx.AsyncClient) -> None:
    code = await code_of(idp)
    assert (await idp.post("/token", data=exchange(code))).status_code == 200
    again = await idp.post("/token", data=exchange(code))
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "changed",
    [
        {"code_verifier": "another-verifier-of-forty-three-characters-xx"},
        {"code_verifier": ""},
        {"redirect_uri": "http://web.test/elders"},
        {"client_id": "another-client"},
    ],
)
async def test_a_code_is_refused_without_its_verifier_redirect_uri_and_client(
    idp: httpx.AsyncClient, changed: dict[str, str]
) -> None:
    code = await code_of(idp)
    refused = await idp.post("/token", data=exchange(code, **changed))
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    # The code is spent by the failed try too.
    assert (await idp.post("/token", data=exchange(code))).status_code == 400


@pytest.mark.parametrize(
    "changed",
    [{"redirect_uri": "http://elders.test/terug"}, {"client_id": "onbekend"}],
)
async def test_an_unregistered_redirect_uri_is_told_not_followed(
    idp: httpx.AsyncClient, changed: dict[str, str]
) -> None:
    shown = await idp.get("/authorize", params=authorize_params(**changed))
    assert shown.status_code == 400
    assert "location" not in shown.headers
    assert "niet bekend" in shown.text


@pytest.mark.parametrize(
    "changed",
    [
        {"code_challenge_method": "plain"},
        {"code_challenge": ""},
        {"nonce": ""},
        {"scope": "profile"},
        {"response_type": "token"},
    ],
)
async def test_a_request_without_pkce_nonce_or_openid_goes_back_with_an_error(
    idp: httpx.AsyncClient, changed: dict[str, str]
) -> None:
    refused = await idp.get("/authorize", params=authorize_params(**changed))
    assert refused.status_code == 303
    query = parse_qs(urlsplit(refused.headers["location"]).query)
    assert query["error"] == ["invalid_request"]
    assert query["state"] == ["de-state"]
    assert "code" not in query


async def test_a_wrong_password_shows_the_form_again_without_a_code(
    idp: httpx.AsyncClient,
) -> None:
    again = await sign_in(idp, "reviewer-0363", "fout")
    assert again.status_code == 200
    assert 'role="alert"' in again.text
    assert "location" not in again.headers
