"""Settings of feedback."""

from pydantic import Field

from vroeg.feedback.webhooks.settings import WebhookSettings
from vroeg.shared.creditor_keys import CertificateSettings
from vroeg.shared.registry_keys import RegistryKeySettings
from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings, CertificateSettings, WebhookSettings, RegistryKeySettings):
    """feedback's settings (with those of client-certificate-bound creditor keys, and of the
    webhooks)."""

    port: int = Field(default=8005, alias="VROEG_PORT")
    # Awb 2:3 "without delay": how often the forwarding worker looks for forwards to post, and
    # how long one post to a receiving intake may take.
    forwarding_interval_s: float = Field(default=1.0, gt=0, alias="VROEG_FORWARDING_INTERVAL_S")
    forwarding_timeout_s: float = Field(default=10.0, gt=0, alias="VROEG_FORWARDING_TIMEOUT_S")
    # How often the feedback on forwarded signals is polled from the receiving deployments.
    forwarded_feedback_interval_s: float = Field(
        default=60.0, gt=0, alias="VROEG_FORWARDED_FEEDBACK_INTERVAL_S"
    )
    # A failed post is tried again after 1 s, doubling per attempt up to this (with jitter).
    forwarding_max_backoff_s: float = Field(
        default=300.0, gt=0, alias="VROEG_FORWARDING_MAX_BACKOFF_S"
    )

    def production_refusals(self) -> list[str]:
        """The shared refusals and the registry's development key."""
        return super().production_refusals() + self.registry_key_refusals()
