"""Settings of intake."""

from pydantic import Field, SecretStr

from vroeg.shared.creditor_keys import CertificateSettings
from vroeg.shared.registry_keys import RegistryKeySettings
from vroeg.shared.settings import ServiceSettings

DEVELOPMENT_ADMIN_KEY = "vroeg-development-admin-key"


class Settings(ServiceSettings, CertificateSettings, RegistryKeySettings):
    """intake's settings: the shared ones plus administration and client certificates (the
    municipalities served are data: the tenant registry, `tenants_api`)."""

    port: int = Field(default=8001, alias="VROEG_PORT")
    admin_api_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_ADMIN_KEY), alias="VROEG_ADMIN_API_KEY"
    )

    def production_refusals(self) -> list[str]:
        """The shared refusals, the registry's development key and the bootstrap
        administrator key."""
        refusals = super().production_refusals() + self.registry_key_refusals()
        if "admin_api_key" in self.model_fields_set:
            # Production operators sign in with OIDC role admin; a key set here would never
            # be accepted, and whoever set it would think it works.
            refusals.append(
                "VROEG_ADMIN_API_KEY is for bootstrapping development and test: production "
                "operators sign in with an access token with role admin"
            )
        return refusals
