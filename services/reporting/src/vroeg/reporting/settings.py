"""Settings of reporting."""

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """reporting's settings."""

    port: int = Field(default=8006, alias="VROEG_PORT")
