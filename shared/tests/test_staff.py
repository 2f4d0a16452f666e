"""Verifying staff access tokens: type, signature, issuer, audience, expiry, lifetime, claims,
the provider's discovery and keys, key rotation, and what a refused caller is told."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from fastapi import Depends, FastAPI

from vroeg.shared.http import install_conventions
from vroeg.shared.settings import ServiceSettings
from vroeg.shared.staff import (
    INVALID_TOKEN_DETAIL,
    IdentityProviderUnavailable,
    InvalidToken,
    Role,
    StaffMember,
    StaffVerifier,
    requires,
)
from vroeg.standins.idp.app import User, create_app

ISSUER = "https://idp.gemeente.example"


class Issuer:
    """An identity provider's discovery and key endpoints, with keys that can rotate."""

    def __init__(self) -> None:
        self.keys: dict[str, RSAPrivateKey] = {"k1": _key()}
        # Published keys for encryption (RFC 7517 `use=enc`), not for signatures.
        self.encryption_keys: dict[str, RSAPrivateKey] = {}
        self.discovery: dict[str, Any] = {"issuer": ISSUER, "jwks_uri": f"{ISSUER}/jwks"}
        self.requests = 0
        self.fetches = 0
        self.down = False

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.down:
            return httpx.Response(503)
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery)
        self.fetches += 1
        jwks = [
            {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(k.public_key())), "kid": kid, **use}
            for keys, use in ((self.keys, {}), (self.encryption_keys, {"use": "enc"}))
            for kid, k in keys.items()
        ]
        return httpx.Response(200, json={"keys": jwks})

    def token(
        self,
        kid: str = "k1",
        typ: str | None = "at+jwt",
        key: RSAPrivateKey | None = None,
        **overrides: Any,
    ) -> str:
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
        headers = {"kid": kid, "typ": typ}  # typ None: no typ at all
        return jwt.encode(claims, key or self.keys[kid], algorithm="RS256", headers=headers)


def _key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


class Clock:
    """A monotonic clock the test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def verifier_of(issuer: Issuer, clock: Clock, **options: Any) -> StaffVerifier:
    http = httpx.AsyncClient(transport=httpx.MockTransport(issuer.handle))
    return StaffVerifier(ISSUER, "vroeg", http, clock=clock, **options)


@pytest.fixture
def verifier(issuer: Issuer, clock: Clock) -> StaffVerifier:
    return verifier_of(issuer, clock)


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
        token = jwt.encode(
            payload, issuer.keys["k1"], algorithm="RS256", headers={"kid": "k1", "typ": "at+jwt"}
        )
    with pytest.raises(InvalidToken):
        await verifier.verify(token)


async def test_a_token_signed_with_a_shared_secret_or_none_is_refused(
    issuer: Issuer, verifier: StaffVerifier
) -> None:
    await verifier.verify(issuer.token())  # keys fetched
    payload = jwt.decode(issuer.token(), options={"verify_signature": False})
    for forged in (
        jwt.encode(
            payload,
            "a-shared-secret-of-32-bytes-long!",
            algorithm="HS256",
            headers={"kid": "k1", "typ": "at+jwt"},
        ),
        jwt.encode(payload, None, algorithm="none", headers={"kid": "k1", "typ": "at+jwt"}),
    ):
        with pytest.raises(InvalidToken):
            await verifier.verify(forged)


async def test_a_rotated_key_is_fetched_and_unknown_keys_do_not_hammer_the_provider(
    issuer: Issuer, verifier: StaffVerifier, clock: Clock
) -> None:
    await verifier.verify(issuer.token())
    assert issuer.fetches == 1
    issuer.keys["k2"] = _key()
    # Within the refresh interval an unknown key id is refused without asking again.
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(issuer.token("k2"))
    assert issuer.fetches == 1
    clock.now += 31  # the refresh interval has passed
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
        stand_in = StaffVerifier(base, "vroeg", http, https_only=False)  # as in development
        member = await stand_in.verify(issued.json()["access_token"])
    assert (member.subject, member.roles, member.municipalities) == ("r", {Role.REVIEWER}, {"0363"})


@pytest.mark.parametrize(
    "typ",
    [None, "JWT", "jwt", "id_token", "at+jwt2", ""],
    ids=["no-typ", "JWT", "jwt", "id_token", "similar", "empty"],
)
async def test_only_access_tokens_are_accepted_by_their_typ(
    issuer: Issuer, verifier: StaffVerifier, typ: str | None
) -> None:
    """RFC 9068 §4: an ID token or any other JWT of the same provider is not an access token."""
    with pytest.raises(InvalidToken, match="typ"):
        await verifier.verify(issuer.token(typ=typ))


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt"])
async def test_the_access_token_typ_is_compared_as_a_media_type(
    issuer: Issuer, verifier: StaffVerifier, typ: str
) -> None:
    assert (await verifier.verify(issuer.token(typ=typ))).subject == "j.devries"


async def test_a_provider_that_marks_its_access_tokens_otherwise_is_configured(
    issuer: Issuer, clock: Clock
) -> None:
    verifier = verifier_of(issuer, clock, token_type="JWT")
    assert (await verifier.verify(issuer.token(typ="JWT"))).subject == "j.devries"
    with pytest.raises(InvalidToken):
        await verifier.verify(issuer.token(typ="at+jwt"))


@pytest.mark.parametrize(
    "issuer_named",
    [
        "https://idp.elsewhere.example",
        f"{ISSUER}/",  # OpenID Connect Discovery §4.3: identical, not merely similar
        f"{ISSUER}/realms/other",
    ],
)
async def test_a_discovery_document_naming_another_issuer_is_not_used(
    issuer: Issuer, verifier: StaffVerifier, issuer_named: str
) -> None:
    issuer.discovery["issuer"] = issuer_named
    with pytest.raises(IdentityProviderUnavailable, match="discovery names issuer"):
        await verifier.verify(issuer.token())
    assert issuer.fetches == 0  # its keys were not even fetched


async def test_keys_from_a_plain_http_jwks_uri_are_refused_outside_development(
    issuer: Issuer, clock: Clock
) -> None:
    issuer.discovery["jwks_uri"] = "http://idp.gemeente.example/jwks"
    with pytest.raises(IdentityProviderUnavailable, match="jwks_uri is not https"):
        await verifier_of(issuer, clock).verify(issuer.token())
    development = verifier_of(issuer, clock, https_only=False)
    assert (await development.verify(issuer.token())).subject == "j.devries"


def test_a_service_outside_development_wants_https_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    http = httpx.AsyncClient()
    monkeypatch.setenv("VROEG_ENVIRONMENT", "test")
    assert not StaffVerifier.for_settings(ServiceSettings(), http)._https_only
    for name, value in {
        "VROEG_ENVIRONMENT": "production",
        "DATABASE_URL": "postgresql+asyncpg://u:secret@db/vroeg",
        "VROEG_OIDC_ISSUER": ISSUER,
        "KAFKA_BOOTSTRAP_SERVERS": "kafka.gemeente.example:9093",
        "KAFKA_ALLOW_PLAINTEXT": "true",
        "VROEG_TOPIC_REPLICATION_FACTOR": "3",
    }.items():
        monkeypatch.setenv(name, value)
    assert StaffVerifier.for_settings(ServiceSettings(), http)._https_only


async def test_a_token_signed_with_a_published_encryption_key_is_refused(
    issuer: Issuer, verifier: StaffVerifier
) -> None:
    """RFC 7517 §4.2: a key published with `use=enc` does not verify signatures."""
    issuer.encryption_keys["e1"] = _key()
    token = issuer.token(kid="e1", key=issuer.encryption_keys["e1"])
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(token)
    assert (await verifier.verify(issuer.token())).subject == "j.devries"


async def test_a_provider_that_is_down_is_asked_once_per_retry_interval_not_per_request(
    issuer: Issuer, verifier: StaffVerifier, clock: Clock
) -> None:
    issuer.down = True
    for kid in ("k1", "bogus-1", "bogus-2", "k1", "bogus-3"):
        with pytest.raises(IdentityProviderUnavailable):
            await verifier.verify(issuer.token(kid="k1") if kid == "k1" else _bogus(issuer, kid))
    assert issuer.requests == 1
    clock.now += 6  # the retry interval has passed
    issuer.down = False
    assert (await verifier.verify(issuer.token())).subject == "j.devries"
    assert issuer.requests == 3  # discovery and keys, once


async def test_bogus_key_ids_cause_no_fetch_storm(
    issuer: Issuer, verifier: StaffVerifier, clock: Clock
) -> None:
    await verifier.verify(issuer.token())
    for n in range(20):
        with pytest.raises(InvalidToken, match="unknown signing key"):
            await verifier.verify(_bogus(issuer, f"bogus-{n}"))
        clock.now += 1
    assert issuer.fetches == 1  # 20 s of bogus key ids: within one refresh interval


def _bogus(issuer: Issuer, kid: str) -> str:
    return issuer.token(kid=kid, key=issuer.keys["k1"])


@pytest.mark.parametrize(
    ("lifetime", "accepted"),
    [(timedelta(hours=24), True), (timedelta(hours=24, minutes=1), False)],
    ids=["24h", "longer"],
)
async def test_a_token_living_longer_than_the_maximum_is_refused(
    issuer: Issuer, verifier: StaffVerifier, lifetime: timedelta, accepted: bool
) -> None:
    issued = datetime.now(UTC) - timedelta(minutes=1)
    token = issuer.token(iat=issued, exp=issued + lifetime)
    if accepted:
        assert (await verifier.verify(token)).subject == "j.devries"
    else:
        with pytest.raises(InvalidToken, match="lives longer"):
            await verifier.verify(token)


async def test_the_maximum_lifetime_is_configurable(issuer: Issuer, clock: Clock) -> None:
    with pytest.raises(InvalidToken, match="lives longer"):
        await verifier_of(issuer, clock, max_lifetime_s=120).verify(issuer.token())


async def test_a_refused_token_gets_one_fixed_helpful_401_without_library_text(
    issuer: Issuer, verifier: StaffVerifier
) -> None:
    app = FastAPI()
    install_conventions(app)
    app.state.runtime = SimpleNamespace(staff=verifier)

    @app.get("/v1/uitval")
    async def queue(member: Annotated[StaffMember, Depends(requires(Role.REVIEWER))]) -> str:
        return member.subject

    now = datetime.now(UTC)
    refused = {
        "expired": issuer.token(exp=now - timedelta(minutes=5)),
        "audience": issuer.token(aud="another-application"),
        "issuer": issuer.token(iss="https://idp.elsewhere.example"),
        "typ": issuer.token(typ="JWT"),
        "kid": _bogus(issuer, "bogus"),
        "garbage": "not.a.jwt",
        "lifetime": issuer.token(iat=now, exp=now + timedelta(days=2)),
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=ISSUER) as http:
        ok = await http.get("/v1/uitval", headers={"Authorization": f"Bearer {issuer.token()}"})
        assert ok.status_code == 200
        for reason, token in refused.items():
            response = await http.get("/v1/uitval", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, reason
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
            assert response.json()["detail"] == INVALID_TOKEN_DETAIL, reason


async def test_a_key_the_provider_withdrew_stops_verifying_within_the_maximum_key_age(
    issuer: Issuer, verifier: StaffVerifier, clock: Clock
) -> None:
    token = issuer.token()
    await verifier.verify(token)
    issuer.keys = {"k2": _key()}  # k1 rotated out (or found compromised)
    clock.now += 1800
    assert (await verifier.verify(token)).subject == "j.devries"  # not asked again yet
    clock.now += 1800
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(token)
    assert issuer.fetches == 2


async def test_keys_fetched_before_still_serve_while_the_provider_is_away(
    issuer: Issuer, verifier: StaffVerifier, clock: Clock
) -> None:
    token = issuer.token()
    await verifier.verify(token)
    issuer.down = True
    clock.now += 3600
    for _ in range(3):
        assert (await verifier.verify(token)).subject == "j.devries"
    assert issuer.requests == 3  # two for the first fetch, one failed refresh: no storm


@pytest.mark.parametrize(
    ("token_options", "nonce", "client_id"),
    [
        ({}, "another-nonce", "vroeg-web"),  # a token of another sign-in (replayed)
        ({"typ": "at+jwt"}, "de-nonce", "vroeg-web"),  # an access token is no ID token
        ({}, "de-nonce", "another-client"),  # issued to another client
        ({"nonce": None}, "de-nonce", "vroeg-web"),  # no nonce at all
        ({"aud": ["vroeg-web", "vroeg"]}, "de-nonce", "vroeg-web"),  # several, no azp
        ({"kid": "k1", "key": _key()}, "de-nonce", "vroeg-web"),  # not the provider's signature
    ],
)
async def test_an_id_token_is_refused_unless_it_is_this_sign_ins_and_this_clients(
    issuer: Issuer,
    clock: Clock,
    token_options: dict[str, Any],
    nonce: str,
    client_id: str,
) -> None:
    verifier = verifier_of(issuer, clock)
    options = {"typ": "JWT", "aud": "vroeg-web", "nonce": "de-nonce", **token_options}
    if options["nonce"] is None:
        del options["nonce"]
    good = issuer.token(typ="JWT", aud="vroeg-web", nonce="de-nonce")
    assert await verifier.verify_id_token(good, client_id="vroeg-web", nonce="de-nonce") == (
        "j.devries"
    )
    with pytest.raises(InvalidToken):
        await verifier.verify_id_token(issuer.token(**options), client_id=client_id, nonce=nonce)
