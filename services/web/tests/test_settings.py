"""The web app in production: no Kafka to configure (it has none), but HTTPS for its own address
(the session cookie is then Secure, `__Host-`) and for the services it calls."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vroeg.web.sessions import session_cookie
from vroeg.web.settings import Settings

PRODUCTION = {
    "VROEG_ENVIRONMENT": "production",
    "DATABASE_URL": "postgresql+asyncpg://web:s3cret@db.gemeente.example/vroeg",
    "VROEG_OIDC_ISSUER": "https://idp.gemeente.example",
    "VROEG_WEB_PUBLIC_URL": "https://vroeg.gemeente.example",
    "VROEG_INTAKE_URL": "https://intake.vroeg.internal",
    "VROEG_BRP_CHECK_URL": "https://brp-check.vroeg.internal",
    "VROEG_MATCHER_URL": "https://matcher.vroeg.internal",
    "VROEG_FOLLOWUP_URL": "https://followup.vroeg.internal",
    "VROEG_REPORTING_URL": "https://reporting.vroeg.internal",
}


def settings_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SECURITY_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**PRODUCTION, **env}.items():
        monkeypatch.setenv(name, value)
    return Settings()


def test_production_needs_no_broker_and_sets_secure_host_only_cookies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(monkeypatch)
    assert settings.secure_cookies
    assert session_cookie(settings) == "__Host-vroeg-sessie"
    assert settings.redirect_uri == "https://vroeg.gemeente.example/aanmelden/terug"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("VROEG_WEB_PUBLIC_URL", "http://vroeg.gemeente.example"),
        ("VROEG_WEB_PUBLIC_URL", "https://127.0.0.1:8007"),
        ("VROEG_INTAKE_URL", "http://127.0.0.1:8001"),
        ("VROEG_BRP_CHECK_URL", "http://127.0.0.1:8002"),
        ("VROEG_MATCHER_URL", "http://matcher.vroeg.internal"),
        ("VROEG_FOLLOWUP_URL", "https://localhost:8004"),
        ("VROEG_REPORTING_URL", "http://reporting.vroeg.internal"),
    ],
)
def test_production_refuses_plain_http_and_this_machine(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ValidationError, match=name):
        settings_with(monkeypatch, **{name: value})
