"""brp-check in production refuses the BRP stand-in, a BRP reached without client
authentication, and the development debt-help import key (R-BRP-4)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vroeg.brp_check.settings import Settings

UNSET = None
# A production deployment: the BRP gateway over HTTPS, with OAuth2 and mutual TLS.
PRODUCTION = {
    "VROEG_ENVIRONMENT": "production",
    "DATABASE_URL": "postgresql+asyncpg://brp_check:s3cret@db.gemeente.example/vroeg",
    "VROEG_OIDC_ISSUER": "https://idp.gemeente.example",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka.gemeente.example:9093",
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_USERNAME": "vroeg",
    "KAFKA_SASL_PASSWORD": "a-scram-password",
    "BRP_BASE_URL": "https://brp.gateway.example/haalcentraal/api/brp",
    "BRP_OAUTH_TOKEN_URL": "https://brp.gateway.example/oauth/token",
    "BRP_OAUTH_CLIENT_ID": "gemeente-0363",
    "BRP_OAUTH_CLIENT_SECRET": "client-secret",
    "BRP_CLIENT_CERT": "/etc/vroeg/brp.crt",
    "BRP_CLIENT_KEY": "/etc/vroeg/brp.key",
    "VROEG_TOPIC_REPLICATION_FACTOR": "3",
    "VROEG_DEBT_HELP_IMPORT_KEYS": '{"0363": "' + "ab" * 32 + '"}',
}
WITHOUT_OAUTH = {
    "BRP_OAUTH_TOKEN_URL": UNSET,
    "BRP_OAUTH_CLIENT_ID": UNSET,
    "BRP_OAUTH_CLIENT_SECRET": UNSET,
}
WITHOUT_MUTUAL_TLS = {"BRP_CLIENT_CERT": UNSET, "BRP_CLIENT_KEY": UNSET}


def settings_with(monkeypatch: pytest.MonkeyPatch, env: dict[str, str | None]) -> Settings:
    for name, value in {**PRODUCTION, **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return Settings()


@pytest.mark.parametrize(
    "env",
    [{}, WITHOUT_OAUTH, WITHOUT_MUTUAL_TLS],
    ids=["oauth-and-mutual-tls", "mutual-tls", "oauth"],
)
def test_a_brp_behind_https_with_oauth_or_mutual_tls_is_accepted(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str | None]
) -> None:
    assert settings_with(monkeypatch, env).environment == "production"


@pytest.mark.parametrize(
    ("env", "refusal"),
    [
        ({"BRP_BASE_URL": UNSET}, "BRP_BASE_URL must be an https URL"),
        ({"BRP_BASE_URL": "http://brp.gateway.example/api"}, "BRP_BASE_URL must be an https"),
        ({"BRP_BASE_URL": "https://127.0.0.1:8090/api"}, "BRP_BASE_URL must name a production"),
        ({"BRP_BASE_URL": "https://localhost/api"}, "BRP_BASE_URL must name a production"),
        ({"BRP_BASE_URL": "https://[::1]:8090/api"}, "BRP_BASE_URL must name a production"),
        ({"BRP_OAUTH_TOKEN_URL": "http://brp.gateway.example/t"}, "BRP_OAUTH_TOKEN_URL must be"),
        ({**WITHOUT_OAUTH, **WITHOUT_MUTUAL_TLS}, "OAuth2 client credentials .* or mutual TLS"),
        ({**WITHOUT_MUTUAL_TLS, "BRP_OAUTH_CLIENT_SECRET": UNSET}, "go together"),
        ({**WITHOUT_OAUTH, "BRP_CLIENT_KEY": UNSET}, "BRP_CLIENT_CERT and BRP_CLIENT_KEY go"),
        ({"VROEG_DEBT_HELP_IMPORT_KEY": "one-for-all"}, "replaced by VROEG_DEBT_HELP_IMPORT_KEYS"),
        ({"VROEG_DEBT_HELP_IMPORT_KEYS": '{"0363": "a-plain-key"}'}, "should match pattern"),
        ({"VROEG_DEBT_HELP_IMPORT_KEYS": '{"363": "' + "ab" * 32 + '"}'}, "should match pattern"),
        ({"DATABASE_URL": UNSET}, "DATABASE_URL must be set"),  # the shared refusals still hold
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_production_refuses_brp_check_development_defaults(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str | None], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        settings_with(monkeypatch, env)


def test_development_runs_with_the_brp_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    unset = {name: UNSET for name in PRODUCTION}
    settings = settings_with(monkeypatch, {**unset, "VROEG_ENVIRONMENT": "development"})
    assert settings.brp_base_url.startswith("http://127.0.0.1")
