"""Settings of followup."""

from datetime import date

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """followup's settings: the shared ones plus the calendar and deadline policy."""

    port: int = Field(default=8004, alias="VROEG_PORT")
    # Days a royal decree adds as non-working days (Algemene termijnenwet art. 3 lid 3).
    decreed_days_off: tuple[date, ...] = Field(
        default=(date(2026, 1, 2), date(2026, 5, 15)), alias="VROEG_DECREED_DAYS_OFF"
    )
    default_first_contact_working_days: int = Field(
        default=10, alias="VROEG_FIRST_CONTACT_WORKING_DAYS", ge=1
    )
    timezone: str = Field(default="Europe/Amsterdam", alias="VROEG_TIMEZONE")
