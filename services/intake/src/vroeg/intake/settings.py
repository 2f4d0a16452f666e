"""Settings of intake."""

from pydantic import Field, SecretStr, model_validator

from vroeg.shared.settings import ServiceSettings

DEVELOPMENT_ADMIN_KEY = "vroeg-development-admin-key"


class Settings(ServiceSettings):
    """intake's settings: the shared ones plus tenancy, administration and client certificates."""

    port: int = Field(default=8001, alias="VROEG_PORT")
    # CBS codes of the municipalities this deployment serves, comma separated (R-IN-8).
    municipalities: str = Field(default="0363", alias="VROEG_MUNICIPALITIES")
    admin_api_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_ADMIN_KEY), alias="VROEG_ADMIN_API_KEY"
    )
    # Set by the TLS-terminating proxy of a mutual-TLS deployment: the SHA-256 fingerprint of
    # the client certificate it verified. Only trusted because only the proxy can reach us.
    client_cert_header: str = Field(
        default="X-Client-Cert-Sha256", alias="VROEG_CLIENT_CERT_HEADER"
    )

    @model_validator(mode="after")
    def _refuse_development_admin_key_in_production(self) -> "Settings":
        if (
            self.environment == "production"
            and self.admin_api_key.get_secret_value() == DEVELOPMENT_ADMIN_KEY
        ):
            raise ValueError("VROEG_ADMIN_API_KEY must be set explicitly in production")
        return self

    def served(self) -> frozenset[str]:
        """The municipalities this deployment serves."""
        return frozenset(code.strip() for code in self.municipalities.split(",") if code.strip())
