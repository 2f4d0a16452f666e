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
        """The shared refusals, the bootstrap administrator key, and an unnamed tenancy."""
        refusals = super().production_refusals()
        if "admin_api_key" in self.model_fields_set:
            # Production operators sign in with OIDC role admin; a key set here would never
            # be accepted, and whoever set it would think it works.
            refusals.append(
                "VROEG_ADMIN_API_KEY is for bootstrapping development and test: production "
                "operators sign in with an access token with role admin"
            )
        if "municipalities" not in self.model_fields_set:
            refusals.append(
                "VROEG_MUNICIPALITIES must name the CBS codes this deployment serves (R-IN-8)"
            )
        return refusals

    def served(self) -> frozenset[str]:
        """The municipalities this deployment serves."""
        return frozenset(code.strip() for code in self.municipalities.split(",") if code.strip())
