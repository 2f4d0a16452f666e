"""API keys and the JSON Web Tokens clients sign with them, checked as Notify checks them.

An API key is `{key_name}-{service_id}-{secret}`: the service id and the secret are UUIDs, so
they are the key's last 73 characters (the reference client reads them that way). Each request
carries `Authorization: Bearer <jwt>`, a token signed HS256 with the secret, with claims `iss`
(the service id) and `iat` (issued at, epoch seconds), which must be within 30 seconds of the
server's clock either way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jwt

from vroeg.standins.notify.errors import NotifyError, auth_error

# How far `iat` may be from the server's clock, either way (seconds).
CLOCK_BOUND_S = 30
_UUID_LENGTH = 36
GENERAL_TOKEN_ERROR = (
    "Invalid token: make sure your API token matches the example at "
    "https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
)


@dataclass(frozen=True)
class ApiKey:
    """One API key of a service."""

    name: str
    service_id: str
    secret: str

    @classmethod
    def parse(cls, key: str) -> ApiKey:
        """Split `{key_name}-{service_id}-{secret}`; a key that is not so shaped is refused."""
        key = key.strip()
        secret = key[-_UUID_LENGTH:]
        service_id = key[-2 * _UUID_LENGTH - 1 : -_UUID_LENGTH - 1]
        name = key[: -2 * _UUID_LENGTH - 2]
        separators = key[-_UUID_LENGTH - 1], key[-2 * _UUID_LENGTH - 2 : -2 * _UUID_LENGTH - 1]
        if not name or separators != ("-", "-") or not (_is_uuid(service_id) and _is_uuid(secret)):
            raise ValueError("an API key is {key_name}-{service_id}-{secret}, both UUIDs")
        return cls(name, service_id, secret)


@dataclass(frozen=True)
class Caller:
    """Who signed a request: the service and which of its keys."""

    service_id: str
    key_name: str
    issued_at: int


class KeyRing:
    """The API keys the stand-in accepts, by service."""

    def __init__(self, keys: Iterable[ApiKey], clock: Callable[[], float] = time.time) -> None:
        self._by_service: dict[str, list[ApiKey]] = {}
        for key in keys:
            self._by_service.setdefault(str(uuid.UUID(key.service_id)), []).append(key)
        self._clock = clock

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller of a request with this `Authorization` header, or Notify's AuthError."""
        if not authorization:
            raise auth_error("Unauthorized: authentication token must be provided", 401)
        if authorization[:7].title() != "Bearer ":
            raise auth_error("Unauthorized: authentication bearer scheme must be used", 401)
        token = authorization[7:]
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.DecodeError as exc:
            raise auth_error(GENERAL_TOKEN_ERROR) from exc
        if "iss" not in unverified:
            raise auth_error("Invalid token: iss field not provided")
        if not _is_uuid(str(unverified["iss"])):
            raise auth_error("Invalid token: service id is not the right data type")
        keys = self._by_service.get(str(uuid.UUID(str(unverified["iss"]))))
        if not keys:
            raise auth_error("Invalid token: service not found")
        for key in keys:
            claims = self._verified(token, key)
            if claims is not None:
                return Caller(key.service_id, key.name, int(claims["iat"]))
        raise auth_error("Invalid token: API key not found")

    def _verified(self, token: str, key: ApiKey) -> dict[str, Any] | None:
        """The token's claims if `key` signed it (None if it did not); a token that this key
        signed but is out of date or of another algorithm is refused outright."""
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") != "HS256":
                raise auth_error("Invalid token: algorithm used is not HS256")
            claims: dict[str, Any] = jwt.decode(
                token,
                key.secret,
                algorithms=["HS256"],
                options={"verify_iat": False, "verify_exp": False, "verify_nbf": False},
            )
        except jwt.InvalidSignatureError:
            return None
        except NotifyError:
            raise
        except jwt.InvalidTokenError as exc:
            raise auth_error(GENERAL_TOKEN_ERROR) from exc
        if "iat" not in claims:
            raise auth_error("Invalid token: iat field not provided")
        try:
            issued_at = int(claims["iat"])
        except (TypeError, ValueError) as exc:
            raise auth_error(GENERAL_TOKEN_ERROR) from exc
        if abs(self._clock() - issued_at) > CLOCK_BOUND_S:
            raise auth_error("Error: Your system clock must be accurate to within 30 seconds")
        return claims


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == _UUID_LENGTH
