"""The API keys in the tenant registry, sealed (domain §10).

The registry's keys are what this deployment presents at other municipalities' intakes: whoever
holds one can post personal data there as this municipality. intake seals each key before it
leaves the service (`TenantChanged` on a compacted topic, never deleted, copied into dead-letter
topics too; every reader's `tenants` table), with a symmetric key only intake and feedback hold:
`VROEG_REGISTRY_SECRET_KEY`, Fernet keys, comma separated. The first seals; every one opens, so
a key is rotated by putting the new one first, letting intake re-publish the registry (it does
at every start), then dropping the old one.

A sealed key that none of them opens is logged, counted (`vroeg_registry_keys_unreadable_total`)
and raised as `UnreadableKey`: the forward waits and is tried again, it does not crash its
worker nor count as refused.
"""

from __future__ import annotations

import logging
from functools import cached_property

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vroeg.shared import metrics

log = logging.getLogger(__name__)

SETTING = "VROEG_REGISTRY_SECRET_KEY"
# Known to everybody: taken in development and test only (`registry_key_refusals`).
DEVELOPMENT_REGISTRY_SECRET_KEY = "dnJvZWctZGV2ZWxvcG1lbnQtcmVnaXN0cnkta2V5LTE="


class UnreadableKey(ValueError):
    """A sealed key none of `VROEG_REGISTRY_SECRET_KEY`'s keys opens."""


class Keyring:
    """Seals and opens the registry's keys."""

    def __init__(self, secret: str) -> None:
        self._fernet = MultiFernet([Fernet(key.encode()) for key in _keys(secret)])

    def seal(self, api_key: str) -> str:
        """`api_key` sealed with the first key (a different token each time)."""
        return self._fernet.encrypt(api_key.encode()).decode()

    def open(self, sealed: str, *, destination: str) -> str:
        """The API key `sealed` holds; `UnreadableKey` when no key of the ring opens it."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            metrics.REGISTRY_KEYS_UNREADABLE.inc()
            log.error(
                "a key in the tenant registry cannot be opened with %s: sealed with a key it "
                "no longer holds (or a wrong one). Restore that key, or enter the key again",
                SETTING,
                extra={"destination": destination},
            )
            raise UnreadableKey(f"the registry's key for {destination} cannot be opened") from None


class RegistryKeySettings(BaseSettings):
    """Settings of a service that seals or opens the registry's keys (mix into Settings)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    registry_secret_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_REGISTRY_SECRET_KEY), alias=SETTING
    )

    @field_validator("registry_secret_key")
    @classmethod
    def _fernet_keys(cls, value: SecretStr) -> SecretStr:
        keys = _keys(value.get_secret_value())
        if not keys:
            raise ValueError(f"{SETTING} names no key")
        for position, key in enumerate(keys, start=1):
            try:
                Fernet(key.encode())
            except ValueError:
                # Which one, never its value.
                raise ValueError(
                    f"{SETTING}: key {position} is not a Fernet key (32 url-safe base64 bytes)"
                ) from None
        return value

    @cached_property
    def registry_keyring(self) -> Keyring:
        """The keys that seal (the first) and open (all) the registry's keys."""
        return Keyring(self.registry_secret_key.get_secret_value())

    def registry_key_refusals(self) -> list[str]:
        """Production refuses the development key (add to `production_refusals`)."""
        if DEVELOPMENT_REGISTRY_SECRET_KEY in _keys(self.registry_secret_key.get_secret_value()):
            return [
                f"{SETTING} must be set (the same in intake and feedback): the development key "
                "is refused"
            ]
        return []


def _keys(secret: str) -> list[str]:
    return [key.strip() for key in secret.split(",") if key.strip()]
