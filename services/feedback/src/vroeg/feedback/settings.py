"""Settings of feedback."""

from pydantic import Field

from vroeg.shared.creditor_keys import CertificateSettings
from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings, CertificateSettings):
    """feedback's settings (with those of client-certificate-bound creditor keys)."""

    port: int = Field(default=8005, alias="VROEG_PORT")
