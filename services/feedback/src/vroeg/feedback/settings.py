"""Settings of feedback."""

from pydantic import Field

from vroeg.feedback.webhooks.settings import WebhookSettings
from vroeg.shared.creditor_keys import CertificateSettings
from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings, CertificateSettings, WebhookSettings):
    """feedback's settings (with those of client-certificate-bound creditor keys, and of the
    webhooks)."""

    port: int = Field(default=8005, alias="VROEG_PORT")
