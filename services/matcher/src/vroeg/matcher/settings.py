"""Settings of matcher."""

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """matcher's settings."""

    port: int = Field(default=8003, alias="VROEG_PORT")
