"""Settings of brp-check."""

from pydantic import Field, SecretStr

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """brp-check's settings: the shared ones plus how to reach the BRP."""

    port: int = Field(default=8002, alias="VROEG_PORT")
    brp_base_url: str = Field(
        default="http://127.0.0.1:8090/haalcentraal/api/brp", alias="BRP_BASE_URL"
    )
    brp_api_key: SecretStr | None = Field(default=None, alias="BRP_API_KEY")
    brp_timeout_s: float = Field(default=5.0, alias="BRP_TIMEOUT_S", gt=0)
