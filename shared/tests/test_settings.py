"""Settings refuse development defaults in production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vroeg.shared.messaging.failpoints import Failpoints
from vroeg.shared.settings import ServiceSettings


def test_production_refuses_the_development_database_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("VROEG_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="DATABASE_URL must be set"):
        ServiceSettings()


def test_production_refuses_failpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VROEG_ENVIRONMENT", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:secret@db/vroeg")
    monkeypatch.setenv("VROEG_OIDC_ISSUER", "https://idp.gemeente.example")
    monkeypatch.setenv("VROEG_FAILPOINTS", "consumer.after_commit")
    with pytest.raises(ValidationError, match="refused in production"):
        ServiceSettings()


def test_an_unknown_failpoint_is_an_error_not_a_silent_no_op() -> None:
    with pytest.raises(ValueError, match="unknown failpoints"):
        Failpoints("consumer.after_comit")


def test_production_refuses_the_identity_provider_stand_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VROEG_OIDC_ISSUER", raising=False)
    monkeypatch.setenv("VROEG_ENVIRONMENT", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u:secret@db/vroeg")
    with pytest.raises(ValidationError, match="VROEG_OIDC_ISSUER must be set"):
        ServiceSettings()
