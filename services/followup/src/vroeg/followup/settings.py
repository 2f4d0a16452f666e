"""Settings of followup."""

from pydantic import Field

from vroeg.shared.settings import DecreedDaysOff, ServiceSettings


class Settings(ServiceSettings):
    """followup's settings: the shared ones plus the calendar and deadline policy."""

    port: int = Field(default=8004, alias="VROEG_PORT")
    decreed_days_off: DecreedDaysOff
    default_first_contact_working_days: int = Field(
        default=10, alias="VROEG_FIRST_CONTACT_WORKING_DAYS", ge=1
    )
    timezone: str = Field(default="Europe/Amsterdam", alias="VROEG_TIMEZONE")
