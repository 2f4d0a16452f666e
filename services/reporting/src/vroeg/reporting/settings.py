"""Settings of reporting."""

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """reporting's settings."""

    port: int = Field(default=8006, alias="VROEG_PORT")
    # How often the months whose facts changed are counted again into the rollup (`rollup`);
    # until then a request counts them from the facts, so this sets speed, not correctness.
    rollup_interval_s: float = Field(default=60, alias="VROEG_REPORTING_ROLLUP_INTERVAL_S", gt=0)
