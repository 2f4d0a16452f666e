"""Settings of feedback's webhooks (mixed into feedback's `Settings`)."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DAY_S = 24 * 3600.0


class WebhookSettings(BaseSettings):
    """How feedback pushes to creditors' endpoints: the retry policy, timeouts, rotation."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    # Policy: a delivery is retried this long after it was enqueued (or replayed), then parked.
    webhook_retry_for_s: float = Field(default=DAY_S, alias="VROEG_WEBHOOK_RETRY_FOR_S", gt=0)
    # The pause after the first failed attempt, doubled per failure up to the maximum, each
    # drawn between half and all of it (jitter).
    webhook_backoff_s: float = Field(default=30.0, alias="VROEG_WEBHOOK_BACKOFF_S", gt=0)
    webhook_max_backoff_s: float = Field(default=3600.0, alias="VROEG_WEBHOOK_MAX_BACKOFF_S", gt=0)
    # The whole of one attempt (connecting, sending, the answer) may take this long.
    webhook_timeout_s: float = Field(default=10.0, alias="VROEG_WEBHOOK_TIMEOUT_S", gt=0)
    # After a rotation the previous secret signs too, this long, so a creditor can switch over.
    webhook_secret_overlap_s: float = Field(
        default=DAY_S, alias="VROEG_WEBHOOK_SECRET_OVERLAP_S", ge=0
    )
    # How often a worker looks for due deliveries when it found none, and how many it takes
    # (and sends side by side) at once.
    webhook_poll_interval_s: float = Field(default=1.0, alias="VROEG_WEBHOOK_POLL_INTERVAL_S", gt=0)
    webhook_batch: int = Field(default=20, alias="VROEG_WEBHOOK_BATCH", ge=1, le=500)

    @property
    def webhook_lease_s(self) -> float:
        """How long a claimed delivery is a worker's: well past any attempt's end, so that
        a delivery is never sent by two at once; a worker that died leaves it due again after."""
        return 2 * self.webhook_timeout_s + 60
