"""Settings of intake."""

import ipaddress
from functools import cached_property

from pydantic import Field, SecretStr, field_validator

from vroeg.shared.settings import ServiceSettings

DEVELOPMENT_ADMIN_KEY = "vroeg-development-admin-key"


class Settings(ServiceSettings):
    """intake's settings: the shared ones plus tenancy, administration and client certificates."""

    port: int = Field(default=8001, alias="VROEG_PORT")
    # CBS codes of the municipalities this deployment serves, comma separated (R-IN-8).
    municipalities: str = Field(default="0363", alias="VROEG_MUNICIPALITIES")
    admin_api_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_ADMIN_KEY), alias="VROEG_ADMIN_API_KEY"
    )
    # Set by the TLS-terminating proxy of a mutual-TLS deployment: the SHA-256 fingerprint of
    # the client certificate it verified.
    client_cert_header: str = Field(
        default="X-Client-Cert-Sha256", alias="VROEG_CLIENT_CERT_HEADER"
    )
    # The proxies (addresses or CIDRs, comma separated) whose certificate header is believed;
    # from any other peer the header is refused. None by default: no header is believed.
    trusted_proxies: str = Field(default="", alias="VROEG_TRUSTED_PROXIES")

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        for network in _networks(value):
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad entry
        return value

    @cached_property
    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The proxies whose client-certificate header is believed."""
        return tuple(ipaddress.ip_network(n, strict=False) for n in _networks(self.trusted_proxies))

    def production_refusals(self) -> list[str]:
        """The shared refusals plus the development administrator key."""
        refusals = super().production_refusals()
        if self.admin_api_key.get_secret_value() == DEVELOPMENT_ADMIN_KEY:
            refusals.append("VROEG_ADMIN_API_KEY must be set: the development key is refused")
        return refusals

    def served(self) -> frozenset[str]:
        """The municipalities this deployment serves."""
        return frozenset(code.strip() for code in self.municipalities.split(",") if code.strip())


def _networks(value: str) -> list[str]:
    return [n.strip() for n in value.split(",") if n.strip()]
