"""Settings of intake."""

from pydantic import Field, SecretStr

from vroeg.shared.creditor_keys import CertificateSettings
from vroeg.shared.settings import ServiceSettings

DEVELOPMENT_ADMIN_KEY = "vroeg-development-admin-key"


class Settings(ServiceSettings, CertificateSettings):
    """intake's settings: the shared ones plus tenancy, administration and client certificates."""

    port: int = Field(default=8001, alias="VROEG_PORT")
    # CBS codes of the municipalities this deployment serves, comma separated (R-IN-8).
    municipalities: str = Field(default="0363", alias="VROEG_MUNICIPALITIES")
    admin_api_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_ADMIN_KEY), alias="VROEG_ADMIN_API_KEY"
    )

    def production_refusals(self) -> list[str]:
        """The shared refusals plus the development administrator key."""
        refusals = super().production_refusals()
        if self.admin_api_key.get_secret_value() == DEVELOPMENT_ADMIN_KEY:
            refusals.append("VROEG_ADMIN_API_KEY must be set: the development key is refused")
        return refusals

    def served(self) -> frozenset[str]:
        """The municipalities this deployment serves."""
        return frozenset(code.strip() for code in self.municipalities.split(",") if code.strip())
