"""Settings of followup."""

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """followup's settings: the shared ones (the decreed days off among them) plus the deadline
    policy, the offer window and the scheduler."""

    port: int = Field(default=8004, alias="VROEG_PORT")
    default_first_contact_working_days: int = Field(
        default=10, alias="VROEG_FIRST_CONTACT_WORKING_DAYS", ge=1
    )
    # R-FU-1: an energy disconnection or an eviction gets the crisis deadline of 3 working days
    # too (municipal policy, default on); a water disconnection always does (the law).
    other_crises_in_three_days: bool = Field(default=True, alias="VROEG_OTHER_CRISES_3_DAYS")
    timezone: str = Field(default="Europe/Amsterdam", alias="VROEG_TIMEZONE")
    # R-FU-1: a deadline is "due soon" with this many working days left (policy).
    due_soon_working_days: int = Field(default=1, alias="VROEG_DUE_SOON_WORKING_DAYS", ge=0)
    # How often the deadline scheduler looks for deadlines due soon and missed.
    scheduler_interval_s: float = Field(default=30.0, alias="VROEG_SCHEDULER_INTERVAL_S", gt=0)
    # R-FU-5 (policy, on by default): with no outcome registered, an intermediate result this
    # many days after the case opened, and NIET_BEREIKT when its offer window ends.
    offer_window_automatic: bool = Field(default=True, alias="VROEG_OFFER_WINDOW_AUTOMATIC")
    intermediate_result_days: int = Field(default=14, alias="VROEG_INTERMEDIATE_RESULT_DAYS", ge=1)
    offer_window_days: int = Field(default=28, alias="VROEG_OFFER_WINDOW_DAYS", ge=1)
    # How often the contact plan's job sends the automatic steps that came due (R-FU-3).
    contact_plan_interval_s: float = Field(
        default=60.0, alias="VROEG_CONTACT_PLAN_INTERVAL_S", gt=0
    )
