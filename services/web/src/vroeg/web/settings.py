"""Settings of the web app."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from vroeg.shared.settings import ServiceSettings, public_https_refusal


class Settings(ServiceSettings):
    """The shared settings plus where staff reach the app and where it reaches the services."""

    uses_kafka: ClassVar[bool] = False

    port: int = Field(default=8007, alias="VROEG_PORT")
    # The address staff's browsers use: the sign-in's redirect URI is made from it, and its
    # scheme decides whether the session cookie is `Secure` (production: https).
    public_url: str = Field(default="http://127.0.0.1:8007", alias="VROEG_WEB_PUBLIC_URL")
    # The app's client id at the identity provider (a public client: PKCE, no secret).
    oidc_client_id: str = Field(default="vroeg-web", alias="VROEG_OIDC_CLIENT_ID", min_length=1)
    # The services whose APIs the pages call, with the signed-in user's access token.
    intake_url: str = Field(default="http://127.0.0.1:8001", alias="VROEG_INTAKE_URL")
    brp_check_url: str = Field(default="http://127.0.0.1:8002", alias="VROEG_BRP_CHECK_URL")
    matcher_url: str = Field(default="http://127.0.0.1:8003", alias="VROEG_MATCHER_URL")
    followup_url: str = Field(default="http://127.0.0.1:8004", alias="VROEG_FOLLOWUP_URL")
    reporting_url: str = Field(default="http://127.0.0.1:8006", alias="VROEG_REPORTING_URL")
    # A session ends with its access token, and after this long without a request earlier.
    session_idle_timeout_s: int = Field(default=1800, alias="VROEG_WEB_SESSION_IDLE_S", gt=0)
    # How often sessions and sign-ins that ended are deleted.
    session_purge_interval_s: float = Field(
        default=600, alias="VROEG_WEB_SESSION_PURGE_INTERVAL_S", gt=0
    )

    @property
    def secure_cookies(self) -> bool:
        """Cookies only over HTTPS: whenever staff reach the app over HTTPS."""
        return self.public_url.lower().startswith("https://")

    @property
    def redirect_uri(self) -> str:
        """Where the identity provider sends the browser back after signing in."""
        return f"{self.public_url.rstrip('/')}/aanmelden/terug"

    def production_refusals(self) -> list[str]:
        """The shared refusals plus a public address that is not HTTPS on a real host (the
        session cookie would travel in clear) and the services on this machine."""
        refusals = super().production_refusals()
        for name, url in (
            ("VROEG_WEB_PUBLIC_URL", self.public_url),
            ("VROEG_INTAKE_URL", self.intake_url),
            ("VROEG_BRP_CHECK_URL", self.brp_check_url),
            ("VROEG_MATCHER_URL", self.matcher_url),
            ("VROEG_FOLLOWUP_URL", self.followup_url),
            ("VROEG_REPORTING_URL", self.reporting_url),
        ):
            if refusal := public_https_refusal(name, url):
                refusals.append(refusal)
        return refusals
