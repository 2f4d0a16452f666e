"""intake in production refuses the development administrator key."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vroeg.intake.settings import Settings

PRODUCTION = {
    "VROEG_ENVIRONMENT": "production",
    "DATABASE_URL": "postgresql+asyncpg://intake:s3cret@db.gemeente.example/vroeg",
    "VROEG_OIDC_ISSUER": "https://idp.gemeente.example",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka.gemeente.example:9093",
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_USERNAME": "vroeg",
    "KAFKA_SASL_PASSWORD": "a-scram-password",
    "VROEG_ADMIN_API_KEY": "a-long-random-production-key",
    "VROEG_TOPIC_REPLICATION_FACTOR": "3",
}


@pytest.mark.parametrize(
    ("unset", "refusal"),
    [
        (None, None),
        ("VROEG_ADMIN_API_KEY", "VROEG_ADMIN_API_KEY must be set"),
        ("VROEG_OIDC_ISSUER", "VROEG_OIDC_ISSUER must be an https URL"),
    ],
    ids=["accepted", "development-admin-key", "identity-provider-stand-in"],
)
def test_production_refuses_intake_development_defaults(
    monkeypatch: pytest.MonkeyPatch, unset: str | None, refusal: str | None
) -> None:
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    if unset:
        monkeypatch.delenv(unset)
    if refusal is None:
        assert Settings().environment == "production"
    else:
        with pytest.raises(ValidationError, match=refusal):
            Settings()
