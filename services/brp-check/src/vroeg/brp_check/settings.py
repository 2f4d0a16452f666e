"""Settings of brp-check."""

from pydantic import Field, SecretStr, model_validator

from vroeg.shared.settings import ServiceSettings

DEVELOPMENT_IMPORT_KEY = "vroeg-development-debt-help-key"


class Settings(ServiceSettings):
    """brp-check's settings: the shared ones plus how to reach the BRP."""

    port: int = Field(default=8002, alias="VROEG_PORT")
    brp_base_url: str = Field(
        default="http://127.0.0.1:8090/haalcentraal/api/brp", alias="BRP_BASE_URL"
    )
    brp_api_key: SecretStr | None = Field(default=None, alias="BRP_API_KEY")
    brp_timeout_s: float = Field(default=5.0, alias="BRP_TIMEOUT_S", gt=0)
    # OAuth2 client credentials, as the BRP gateway wants them in production.
    brp_oauth_token_url: str | None = Field(default=None, alias="BRP_OAUTH_TOKEN_URL")
    brp_oauth_client_id: str | None = Field(default=None, alias="BRP_OAUTH_CLIENT_ID")
    brp_oauth_client_secret: SecretStr | None = Field(default=None, alias="BRP_OAUTH_CLIENT_SECRET")
    brp_oauth_scope: str | None = Field(default=None, alias="BRP_OAUTH_SCOPE")
    # Mutual TLS: our client certificate and key, and the CA that signed the BRP's.
    brp_client_cert: str | None = Field(default=None, alias="BRP_CLIENT_CERT")
    brp_client_key: str | None = Field(default=None, alias="BRP_CLIENT_KEY")
    brp_ca_bundle: str | None = Field(default=None, alias="BRP_CA_BUNDLE")
    # Key of the debt-help administration's import (R-BRP-4).
    debt_help_import_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_IMPORT_KEY), alias="VROEG_DEBT_HELP_IMPORT_KEY"
    )

    @model_validator(mode="after")
    def _refuse_development_import_key_in_production(self) -> "Settings":
        key = self.debt_help_import_key.get_secret_value()
        if self.environment == "production" and key == DEVELOPMENT_IMPORT_KEY:
            raise ValueError("VROEG_DEBT_HELP_IMPORT_KEY must be set explicitly in production")
        return self
