"""Settings of feedback."""

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """feedback's settings."""

    port: int = Field(default=8005, alias="VROEG_PORT")
