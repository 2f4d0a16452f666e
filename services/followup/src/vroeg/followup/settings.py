"""Settings of followup."""

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """followup's settings: the shared ones (the decreed days off among them) plus the deadline
    policy."""

    port: int = Field(default=8004, alias="VROEG_PORT")
    default_first_contact_working_days: int = Field(
        default=10, alias="VROEG_FIRST_CONTACT_WORKING_DAYS", ge=1
    )
    timezone: str = Field(default="Europe/Amsterdam", alias="VROEG_TIMEZONE")
