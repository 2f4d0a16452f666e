"""Settings of brp-check."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, StringConstraints, model_validator

from vroeg.shared.events import MunicipalityCode
from vroeg.shared.settings import ServiceSettings, public_https_refusal

ImportKeyHash = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Settings(ServiceSettings):
    """brp-check's settings: the shared ones plus how to reach the BRP."""

    port: int = Field(default=8002, alias="VROEG_PORT")
    brp_base_url: str = Field(
        default="http://127.0.0.1:8090/haalcentraal/api/brp", alias="BRP_BASE_URL"
    )
    brp_api_key: SecretStr | None = Field(default=None, alias="BRP_API_KEY")
    brp_timeout_s: float = Field(default=5.0, alias="BRP_TIMEOUT_S", gt=0)
    # Queries in flight to the BRP at once (a batch's signals are asked about together).
    brp_concurrency: int = Field(default=8, alias="BRP_CONCURRENCY", ge=1, le=100)
    # OAuth2 client credentials, as the BRP gateway wants them in production.
    brp_oauth_token_url: str | None = Field(default=None, alias="BRP_OAUTH_TOKEN_URL")
    brp_oauth_client_id: str | None = Field(default=None, alias="BRP_OAUTH_CLIENT_ID")
    brp_oauth_client_secret: SecretStr | None = Field(default=None, alias="BRP_OAUTH_CLIENT_SECRET")
    brp_oauth_scope: str | None = Field(default=None, alias="BRP_OAUTH_SCOPE")
    # Mutual TLS: our client certificate and key, and the CA that signed the BRP's.
    brp_client_cert: str | None = Field(default=None, alias="BRP_CLIENT_CERT")
    brp_client_key: str | None = Field(default=None, alias="BRP_CLIENT_KEY")
    brp_ca_bundle: str | None = Field(default=None, alias="BRP_CA_BUNDLE")
    # Keys of the debt-help import (R-BRP-4), each bound to one municipality: a JSON object
    # of CBS code → SHA-256 (hex) of that municipality's key. Only the hashes are configured.
    debt_help_import_keys: dict[MunicipalityCode, ImportKeyHash] = Field(
        default_factory=dict, alias="VROEG_DEBT_HELP_IMPORT_KEYS"
    )
    # The single key of old, which could rewrite every municipality's register: refused.
    global_import_key: SecretStr | None = Field(default=None, alias="VROEG_DEBT_HELP_IMPORT_KEY")

    @model_validator(mode="after")
    def _refuse_the_global_import_key(self) -> Settings:
        if self.global_import_key is not None:
            raise ValueError(
                "VROEG_DEBT_HELP_IMPORT_KEY is replaced by VROEG_DEBT_HELP_IMPORT_KEYS: "
                "one key per municipality, configured as its SHA-256"
            )
        return self

    def production_refusals(self) -> list[str]:
        """The shared refusals plus the BRP stand-in and a BRP without client authentication
        (OAuth2 or mutual TLS)."""
        refusals = super().production_refusals()
        for name, url in (
            ("BRP_BASE_URL", self.brp_base_url),
            ("BRP_OAUTH_TOKEN_URL", self.brp_oauth_token_url),
        ):
            if url is not None and (refusal := public_https_refusal(name, url)):
                refusals.append(refusal)
        oauth = [self.brp_oauth_token_url, self.brp_oauth_client_id, self.brp_oauth_client_secret]
        mutual_tls = [self.brp_client_cert, self.brp_client_key]
        if any(oauth) and not all(oauth):
            refusals.append(
                "BRP_OAUTH_TOKEN_URL, BRP_OAUTH_CLIENT_ID and BRP_OAUTH_CLIENT_SECRET go together"
            )
        if any(mutual_tls) and not all(mutual_tls):
            refusals.append("BRP_CLIENT_CERT and BRP_CLIENT_KEY go together")
        if not all(oauth) and not all(mutual_tls):
            refusals.append(
                "the BRP must be reached with OAuth2 client credentials (BRP_OAUTH_*) or "
                "mutual TLS (BRP_CLIENT_CERT, BRP_CLIENT_KEY), or both"
            )
        return refusals
