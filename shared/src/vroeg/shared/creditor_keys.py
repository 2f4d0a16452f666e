"""Creditor API keys, checked the same way by every service that takes them (issue 8, item 13).

A key is `vroeg_<key id>.<secret>`; only the SHA-256 of the secret is kept (the secret is 256
random bits, so a fast hash is enough), compared in constant time. intake's administration
issues and revokes keys; each change is a `CreditorKeyChanged` event on a compacted topic.
Every service that takes creditor keys keeps its own `creditor_keys` table built from those
events (`subscription`) and checks keys against it with `KeyChecker`; intake writes its own
table in the administration's transaction (`record`), so a key works there at once.

A key may be bound to a client certificate: behind a mutual-TLS proxy that passes the verified
certificate's SHA-256 in `VROEG_CLIENT_CERT_HEADER`, believed only from `VROEG_TRUSTED_PROXIES`
(issue 8, item 11).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass
from functools import cached_property
from http import HTTPStatus
from typing import Annotated

import sqlalchemy as sa
from alembic import op
from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vroeg.shared.events import CreditorKeyChanged, KeyHolderKind, VlpType
from vroeg.shared.http import Problem
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.topics import CREDITOR_KEYS

KEY_PREFIX = "vroeg_"
API_KEY_HEADER = "X-Api-Key"
# A key revoked in another process stops working there within this many seconds.
VERIFIED_KEY_TTL_S = 30.0

# Unqualified: each service's connections have its own schema on the search path.
creditor_keys = sa.Table(
    "creditor_keys",
    sa.MetaData(),
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("holder_kind", sa.String, nullable=False),
    sa.Column("holder_id", sa.String, nullable=False),
    sa.Column("vlp_type", sa.String),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("client_cert_sha256", sa.String(64)),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


def create_creditor_keys_table() -> None:
    """The table of a service that takes creditor keys (call from one of its migrations)."""
    op.create_table("creditor_keys", *(column.copy() for column in creditor_keys.columns))


class CertificateSettings(BaseSettings):
    """Settings of a service that takes keys bound to client certificates (mix into Settings)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    # Set by the TLS-terminating proxy of a mutual-TLS deployment: the SHA-256 fingerprint of
    # the client certificate it verified.
    client_cert_header: str = Field(
        default="X-Client-Cert-Sha256", alias="VROEG_CLIENT_CERT_HEADER"
    )
    # The proxies (addresses or CIDRs, comma separated) whose certificate header is believed;
    # from any other peer the header is refused. None by default: no header is believed.
    trusted_proxies: str = Field(default="", alias="VROEG_TRUSTED_PROXIES")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        for network in _networks(value):
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad entry
        return value

    @cached_property
    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The proxies whose client-certificate header is believed."""
        return tuple(ipaddress.ip_network(n, strict=False) for n in _networks(self.trusted_proxies))


def _networks(value: str) -> list[str]:
    return [n.strip() for n in value.split(",") if n.strip()]


@dataclass(frozen=True)
class KeyHolder:
    """Who a valid key belongs to."""

    kind: KeyHolderKind
    id: str
    vlp_type: VlpType | None = None


@dataclass(frozen=True)
class NewKey:
    """A freshly made key: the whole key for the holder, the rest for storage."""

    key_id: str
    secret_sha256: str
    api_key: str


def new_key() -> NewKey:
    """A new random API key."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return NewKey(key_id, sha256(secret), f"{KEY_PREFIX}{key_id}.{secret}")


def sha256(text: str) -> str:
    """Hex SHA-256 of any text."""
    return hashlib.sha256(text.encode()).hexdigest()


def normalise_fingerprint(value: str) -> str:
    """A certificate fingerprint as 64 lowercase hex digits."""
    return value.replace(":", "").strip().lower()


def equal(a: str, b: str) -> bool:
    """Constant-time comparison of any text (`compare_digest` refuses non-ASCII `str`)."""
    return hmac.compare_digest(a.encode(), b.encode())


async def record(session: AsyncSession, event: CreditorKeyChanged) -> None:
    """Apply a key's new state to this service's table; a revocation is never undone, so a
    late or repeated older event changes nothing."""
    row = {
        "key_id": event.key_id,
        "holder_kind": event.holder_kind.value,
        "holder_id": event.holder_id,
        "vlp_type": event.vlp_type.value if event.vlp_type else None,
        "secret_sha256": event.secret_sha256,
        "client_cert_sha256": event.client_cert_sha256,
        "issued_at": event.issued_at,
        "revoked_at": event.revoked_at,
    }
    statement = insert(creditor_keys).values(**row)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[creditor_keys.c.key_id],
            set_={
                "revoked_at": sa.func.coalesce(
                    creditor_keys.c.revoked_at, statement.excluded.revoked_at
                )
            },
        )
    )


async def _on_key_changed(uow: UnitOfWork, event: CreditorKeyChanged) -> None:
    await record(uow.session, event)


def subscription() -> Subscription:
    """What a service that takes creditor keys reads to build its table."""
    # Batched: the handler touches only the service's own table.
    return Subscription(CREDITOR_KEYS, _on_key_changed, batch=True)


class VerifiedKeys:
    """Keys verified in the last `ttl_s` seconds, so a busy creditor costs no query per call.

    A key revoked in this process stops working at once (`revoke`); one revoked elsewhere (an
    other worker or replica) within `ttl_s`. The certificate binding is checked on every call.
    """

    def __init__(self, ttl_s: float = VERIFIED_KEY_TTL_S, size: int = 10_000) -> None:
        self._ttl_s = ttl_s
        self._size = size
        self._entries: dict[str, tuple[float, str, KeyHolder, str | None]] = {}
        # Kept, so that a check that read the key just before its revocation committed
        # cannot put it back.
        self._revoked: set[str] = set()

    def get(self, api_key: str) -> tuple[KeyHolder, str | None] | None:
        """A recently verified key's holder and certificate binding."""
        entry = self._entries.get(sha256(api_key))
        if entry is None or entry[0] < time.monotonic() or entry[1] in self._revoked:
            return None
        return entry[2], entry[3]

    def put(self, api_key: str, key_id: str, holder: KeyHolder, fingerprint: str | None) -> None:
        """Remember a verified key."""
        if key_id in self._revoked:
            return
        if len(self._entries) >= self._size:
            self._entries.clear()
        expires = time.monotonic() + self._ttl_s
        self._entries[sha256(api_key)] = (expires, key_id, holder, fingerprint)

    def revoke(self, key_id: str) -> None:
        """Forget a key at once."""
        self._revoked.add(key_id)
        self._entries = {h: e for h, e in self._entries.items() if e[1] != key_id}


class KeyChecker:
    """Checks `X-Api-Key` (and the certificate it is bound to) against the service's table."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: CertificateSettings
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self.verified = VerifiedKeys()

    async def holder(self, request: Request) -> KeyHolder:
        """The key's holder, or a 401 problem; once per request (memoised on it)."""
        known: KeyHolder | None = getattr(request.state, "key_holder", None)
        if known is not None:
            return known
        holder = await self._check(request)
        request.state.key_holder = holder
        return holder

    async def _check(self, request: Request) -> KeyHolder:
        self._refuse_untrusted_certificate_header(request)
        api_key = request.headers.get(API_KEY_HEADER)
        if not api_key or not api_key.startswith(KEY_PREFIX) or "." not in api_key:
            raise unauthorized("Send a valid API key in the X-Api-Key header.")
        cached = self.verified.get(api_key)
        if cached is not None:
            holder, fingerprint = cached
            self._check_certificate(request, fingerprint)
            return holder
        key_id, _, secret = api_key.removeprefix(KEY_PREFIX).partition(".")
        async with self._sessionmaker() as session:
            row = (
                await session.execute(
                    sa.select(creditor_keys).where(creditor_keys.c.key_id == key_id)
                )
            ).first()
        if (
            row is None
            or row.revoked_at is not None
            or not equal(row.secret_sha256, sha256(secret))
        ):
            raise unauthorized("The API key is not valid.")
        self._check_certificate(request, row.client_cert_sha256)
        holder = KeyHolder(
            KeyHolderKind(row.holder_kind),
            row.holder_id,
            VlpType(row.vlp_type) if row.vlp_type else None,
        )
        self.verified.put(api_key, key_id, holder, row.client_cert_sha256)
        return holder

    def _check_certificate(self, request: Request, fingerprint: str | None) -> None:
        """A key bound to a client certificate works only with that certificate (mutual TLS)."""
        if fingerprint is None:
            return
        header = self._settings.client_cert_header
        presented = normalise_fingerprint(request.headers.get(header, ""))
        if not equal(presented, fingerprint):
            raise unauthorized("This key needs the client certificate it was issued for.")

    def _refuse_untrusted_certificate_header(self, request: Request) -> None:
        """The certificate header counts only as the trusted proxy's one statement.

        Sent by anyone else, it is refused rather than ignored: a client that sends it is
        spoofing or bypassing the proxy, and a misrouted deployment shows at once. Sent twice (or
        folded into one comma-separated value), it is refused: which one the proxy wrote cannot
        be told.
        """
        header = self._settings.client_cert_header
        values = request.headers.getlist(header)
        if not values:
            return
        # A proxy that appends instead of replacing folds a client's value and its own into one.
        if len(values) > 1 or "," in values[0]:
            raise unauthorized(f"The {header} header was sent more than once.")
        peer = request.client.host if request.client else None
        if not peer or not self._is_trusted(peer):
            raise unauthorized(f"The {header} header is accepted only from the trusted proxy.")

    def _is_trusted(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self._settings.trusted_networks)


def key_checker(request: Request) -> KeyChecker:
    """The running service's key checker (made on first use; its settings must include
    `CertificateSettings`)."""
    state = request.app.state
    if not hasattr(state, "key_checker"):
        runtime = state.runtime
        assert isinstance(runtime.settings, CertificateSettings)
        state.key_checker = KeyChecker(runtime.database.sessionmaker, runtime.settings)
    checker: KeyChecker = state.key_checker
    return checker


api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="An API key.")


async def authenticate_request(request: Request) -> KeyHolder:
    """The caller behind the `X-Api-Key` header, or 401 (route guard, once a request)."""
    return await key_checker(request).holder(request)


async def authenticate(
    request: Request, _: Annotated[str | None, Depends(api_key_header)]
) -> KeyHolder:
    """The caller (the header parameter puts the key scheme in the OpenAPI document)."""
    return await authenticate_request(request)


def unauthorized(detail: str) -> Problem:
    """A 401 problem."""
    return Problem(
        HTTPStatus.UNAUTHORIZED, code="unauthorized", title="Unauthorized", detail=detail
    )
