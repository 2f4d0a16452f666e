"""intake in production refuses the bootstrap administrator key and an unnamed tenancy."""

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
    "VROEG_TOPIC_REPLICATION_FACTOR": "3",
    # Two Fernet keys, the newest first (a rotation under way).
    "VROEG_REGISTRY_SECRET_KEY": "bmV3LWtleS1vZi10aGUtcmVnaXN0cnktMDAwMDAwMDA=, "
    "b2xkLWtleS1vZi10aGUtcmVnaXN0cnktMDAwMDAwMDA=",
}


@pytest.mark.parametrize(
    ("changed", "refusal"),
    [
        ({}, None),
        # Operators sign in with OIDC in production: a static key would never be accepted.
        ({"VROEG_ADMIN_API_KEY": "a-long-random-key"}, "VROEG_ADMIN_API_KEY is for bootstrapping"),
        ({"VROEG_OIDC_ISSUER": None}, "VROEG_OIDC_ISSUER must be an https URL"),
        # The registry's keys would be sealed with a key everybody knows.
        ({"VROEG_REGISTRY_SECRET_KEY": None}, "VROEG_REGISTRY_SECRET_KEY must be set"),
        ({"VROEG_REGISTRY_SECRET_KEY": "s3cret-but-no-fernet-key"}, "key 1 is not a Fernet key"),
    ],
    ids=[
        "accepted",
        "bootstrap-admin-key",
        "identity-provider-stand-in",
        "registry-development-key",
        "registry-not-fernet",
    ],
)
def test_production_refuses_intake_development_defaults(
    monkeypatch: pytest.MonkeyPatch, changed: dict[str, str | None], refusal: str | None
) -> None:
    for name, value in {**PRODUCTION, **changed}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    if refusal is None:
        assert Settings().environment == "production"
    else:
        with pytest.raises(ValidationError, match=refusal):
            Settings()
