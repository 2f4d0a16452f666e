"""Verifying staff access tokens: signature, issuer, audience, expiry, claims, key rotation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from vroeg.shared.staff import IdentityProviderUnavailable, InvalidToken, Role, StaffVerifier
from vroeg.standins.idp.app import User, create_app

ISSUER = "https://idp.gemeente.example"


class Issuer:
    """An identity provider's discovery and key endpoints, with keys that can rotate."""

    def __init__(self) -> None:
        self.keys: dict[str, RSAPrivateKey] = {"k1": _key()}
        self.fetches = 0
        self.down = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            return httpx.Response(503)
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"})
        self.fetches += 1
        jwks = [
            {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(k.public_key())), "kid": kid}
            for kid, k in self.keys.items()
        ]
        return httpx.Response(200, json={"keys": jwks})

    def token(self, kid: str = "k1", **overrides: Any) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "aud": "vroeg",
            "sub": "j.devries",
            "name": "J. de Vries",
            "roles": ["reviewer", "some-other-application-role"],
            "gemeenten": ["0363", "0518"],
            "iat": now,
            "exp": now + timedelta(minutes=5),
            **overrides,
        }
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid})


def _key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def verifier(issuer: Issuer) -> StaffVerifier:
    return StaffVerifier(
        ISSUER, "vroeg", httpx.AsyncClient(transport=httpx.MockTransport(issuer.handle))
    )


async def test_a_valid_token_names_the_member_their_roles_and_municipalities(
    issuer: Issuer, verifier: StaffVerifier
) -> None:
    member = await verifier.verify(issuer.token())
    assert member.subject == "j.devries"
    assert member.roles == {Role.REVIEWER}  # another application's role means nothing here
    assert member.serves("0518")
    assert not member.serves("0599")


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": datetime.now(UTC) - timedelta(minutes=2)},  # expired beyond the leeway
        {"aud": "another-application"},
        {"iss": "https://idp.elsewhere.example"},
        {"gemeenten": "0363"},  # not a list
        {"gemeenten": ["Amsterdam"]},
        {"sub": None},
    ],
    ids=["expired", "audience", "issuer", "gemeenten-not-a-list", "gemeenten-not-codes", "no-sub"],
)
async def test_tokens_that_are_not_for_us_are_refused(
    issuer: Issuer, verifier: StaffVerifier, overrides: dict[str, Any]
) -> None:
    claims = {k: v for k, v in overrides.items() if v is not None}
    token = issuer.token(**claims)
    if overrides.get("sub", "") is None:
        payload = jwt.decode(token, options={"verify_signature": False})
        del payload["sub"]
        token = jwt.encode(payload, issuer.keys["k1"], algorithm="RS256", headers={"kid": "k1"})
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


async def test_a_token_signed_with_a_shared_secret_or_none_is_refused(
    issuer: Issuer, verifier: StaffVerifier
) -> None:
    await verifier.verify(issuer.token())  # keys fetched
    payload = jwt.decode(issuer.token(), options={"verify_signature": False})
    for forged in (
        jwt.encode(
            payload, "a-shared-secret-of-32-bytes-long!", algorithm="HS256", headers={"kid": "k1"}
        ),
        jwt.encode(payload, None, algorithm="none", headers={"kid": "k1"}),
    ):
        with pytest.raises(InvalidToken):
            await verifier.verify(forged)


async def test_a_rotated_key_is_fetched_and_unknown_keys_do_not_hammer_the_provider(
    issuer: Issuer, verifier: StaffVerifier
) -> None:
    await verifier.verify(issuer.token())
    assert issuer.fetches == 1
    issuer.keys["k2"] = _key()
    # Within the refresh interval an unknown key id is refused without asking again.
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(issuer.token("k2"))
    assert issuer.fetches == 1
    verifier._fetched_at -= 60  # the interval has passed
    assert (await verifier.verify(issuer.token("k2"))).subject == "j.devries"
    assert issuer.fetches == 2


async def test_an_unreachable_provider_is_not_an_invalid_token(
    issuer: Issuer, verifier: StaffVerifier
) -> None:
    issuer.down = True
    with pytest.raises(IdentityProviderUnavailable):
        await verifier.verify(issuer.token())


async def test_tokens_of_the_identity_provider_stand_in_verify() -> None:
    base = "http://idp.test"
    app = create_app(
        [User(username="r", password="pw", name="R", roles=["reviewer"], gemeenten=["0363"])],
        issuer=base,
        audience="vroeg",
        token_lifetime_s=60,
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=base) as http:
        wrong = await http.post("/token", data={"grant_type": "password", "username": "r"})
        assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
        issued = await http.post(
            "/token", data={"grant_type": "password", "username": "r", "password": "pw"}
        )
        member = await StaffVerifier(base, "vroeg", http).verify(issued.json()["access_token"])
    assert (member.subject, member.roles, member.municipalities) == ("r", {Role.REVIEWER}, {"0363"})
