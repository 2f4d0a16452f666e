"""Events of intake's registries: creditor keys, the tenant registry (domain §10) and
creditors' agreements (R-IN-7).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, ClassVar

from pydantic import AwareDatetime, Field, StringConstraints

from vroeg.shared.events.base import Event
from vroeg.shared.events.vocabulary import KeyHolderKind, MunicipalityCode, VlpType


class CreditorKeyChanged(Event):
    """intake's administration issued or revoked an API key: the key's whole state, so the
    latest event per key is all a service needs (its topic is compacted). Carries the SHA-256
    of the secret, never the secret."""

    event_type: ClassVar[str] = "creditor-key.changed"
    event_version: ClassVar[int] = 1

    key_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{16}$")]
    holder_kind: KeyHolderKind
    holder_id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    vlp_type: VlpType | None = None
    secret_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    # The client certificate the key is bound to (mutual TLS), if any.
    client_cert_sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = None
    issued_at: AwareDatetime
    revoked_at: AwareDatetime | None = None

    def partition_key(self) -> str:
        return self.key_id


class TenantChanged(Event):
    """intake's tenant registry (domain §10): one municipality's entry, whole, keyed by its CBS
    code (`municipality`) on a compacted topic, so the latest event per code is all a service
    needs. Served here, or served by the vroeg deployment at `intake_url`, whose certificate
    `ca_certificate` (PEM) signs; `sealed_api_keys` are the keys this deployment presents
    there, per forwarding municipality (Awb 2:3), each sealed with `VROEG_REGISTRY_SECRET_KEY`
    (`vroeg.shared.registry_keys`): the topic is compacted, never deleted, so a key never
    travels on it in plain text. v2: v1 carried them in plain text as `api_keys`."""

    event_type: ClassVar[str] = "tenant.changed"
    event_version: ClassVar[int] = 2

    served_here: bool
    # The entry was deleted: the municipality is neither served here nor known elsewhere.
    removed: bool = False
    intake_url: (
        Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=500)] | None
    ) = None
    ca_certificate: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    # That deployment's feedback service, where the forwarder polls the feedback on the signals
    # it forwarded (with the same key; the same CA).
    feedback_url: (
        Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=500)] | None
    ) = None
    # Fernet tokens (a 200-character key seals into about 360).
    sealed_api_keys: dict[MunicipalityCode, Annotated[str, StringConstraints(max_length=1000)]] = (
        Field(default_factory=dict, repr=False)
    )
    # When the registry changed: a late, older event changes nothing.
    changed_at: AwareDatetime

    def partition_key(self) -> str:
        return self.municipality


class AgreementChanged(Event):
    """intake's administration saved, ended or deleted a creditor's agreement with a
    municipality (R-IN-7, the modelovereenkomst of §2.4): the agreement's whole state, keyed by
    creditor and municipality on a compacted topic, so the latest event per key is all a
    reader needs. A lean fact for the monitor (agreements in force, a creditor gone silent):
    ids, the creditor's type and dates only. An agreement is ended by its `ends_on`; `removed`
    says it was deleted (entered by mistake) and is in force on no day."""

    event_type: ClassVar[str] = "agreement.changed"
    event_version: ClassVar[int] = 1

    vlp_id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
    vlp_type: VlpType
    starts_on: date
    # The last day it is in force; None: until changed.
    ends_on: date | None = None
    removed: bool = False
    # When the administration changed it: a late, older event changes nothing.
    changed_at: AwareDatetime

    def partition_key(self) -> str:
        return f"{self.vlp_id}/{self.municipality}"
