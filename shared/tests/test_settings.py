"""Production fails closed: outside development and test, every development default is refused
at start, each with its reason."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from vroeg.shared.messaging.failpoints import Failpoints
from vroeg.shared.settings import ServiceSettings

# What a production deployment sets: nothing of it is a development default.
PRODUCTION = {
    "VROEG_ENVIRONMENT": "production",
    "DATABASE_URL": "postgresql+asyncpg://vroeg_app:s3cret@db.gemeente.example/vroeg",
    "VROEG_OIDC_ISSUER": "https://idp.gemeente.example",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-1.gemeente.example:9093,kafka-2.gemeente.example:9093",
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_USERNAME": "vroeg",
    "KAFKA_SASL_PASSWORD": "a-scram-password",
    "VROEG_TOPIC_REPLICATION_FACTOR": "3",
}
UNSET = None


def settings_with(monkeypatch: pytest.MonkeyPatch, env: dict[str, str | None]) -> ServiceSettings:
    for name, value in {**PRODUCTION, **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return ServiceSettings()


def test_a_production_deployment_without_development_defaults_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings_with(monkeypatch, {}).environment == "production"


@pytest.mark.parametrize(
    ("env", "refusal"),
    [
        ({"DATABASE_URL": UNSET}, "DATABASE_URL must be set"),
        (
            {"DATABASE_URL": "postgresql+asyncpg://vroeg:vroeg@db.gemeente.example:5432/vroeg"},
            "development credentials",
        ),
        ({"VROEG_FAILPOINTS": "consumer.after_commit"}, "VROEG_FAILPOINTS is for tests"),
        ({"VROEG_CLOCK_FILE": "/tmp/now"}, "VROEG_CLOCK_FILE moves time for tests"),
        # The broker `vroeg infra` starts on this machine.
        ({"KAFKA_BOOTSTRAP_SERVERS": UNSET}, "KAFKA_BOOTSTRAP_SERVERS must be set"),
        # One copy of each event: a broker's disk loss loses acknowledged events.
        ({"VROEG_TOPIC_REPLICATION_FACTOR": UNSET}, "VROEG_TOPIC_REPLICATION_FACTOR must be at"),
        ({"VROEG_TOPIC_REPLICATION_FACTOR": "1"}, "VROEG_TOPIC_REPLICATION_FACTOR must be at"),
        # The identity-provider stand-in, in every spelling of this machine.
        ({"VROEG_OIDC_ISSUER": UNSET}, "VROEG_OIDC_ISSUER must be an https URL"),
        ({"VROEG_OIDC_ISSUER": "http://127.0.0.1:8091/"}, "must be an https URL"),
        ({"VROEG_OIDC_ISSUER": "http://idp.gemeente.example"}, "must be an https URL"),
        ({"VROEG_OIDC_ISSUER": "https://localhost:8091"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://LocalHost.:8091/"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://idp.localhost"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://127.0.0.1:8091"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://127.3.2.1"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://127.1:8091"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://2130706433"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://[::1]:8091/"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://[::ffff:127.0.0.1]"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://0.0.0.0:8091"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://[::]:8091"}, "not this machine"),
        ({"VROEG_OIDC_ISSUER": "https://"}, "not this machine"),
        # Kafka: SASL_SSL, or plain text explicitly allowed.
        ({"KAFKA_SECURITY_PROTOCOL": UNSET}, "KAFKA_SECURITY_PROTOCOL must be SASL_SSL"),
        ({"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT"}, "PLAINTEXT only with KAFKA_ALLOW_PLAINTEXT"),
        # Production is the default: forgetting VROEG_ENVIRONMENT does not open the doors.
        ({"VROEG_ENVIRONMENT": UNSET, "DATABASE_URL": UNSET}, "DATABASE_URL must be set"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_production_refuses_every_development_default(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str | None], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        settings_with(monkeypatch, env)


def test_production_runs_plain_text_kafka_only_when_explicitly_allowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_with(
        monkeypatch, {"KAFKA_SECURITY_PROTOCOL": "PLAINTEXT", "KAFKA_ALLOW_PLAINTEXT": "true"}
    )
    assert settings.kafka_security_protocol == "PLAINTEXT"


@pytest.mark.parametrize("environment", ["development", "test", "production"])
@pytest.mark.parametrize("missing", ["KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"])
def test_sasl_ssl_without_credentials_is_refused_everywhere(
    monkeypatch: pytest.MonkeyPatch, environment: str, missing: str
) -> None:
    with pytest.raises(ValidationError, match="SASL_SSL needs KAFKA_SASL_USERNAME"):
        settings_with(monkeypatch, {"VROEG_ENVIRONMENT": environment, missing: UNSET})


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_accept_the_development_defaults(
    monkeypatch: pytest.MonkeyPatch, environment: str
) -> None:
    settings = settings_with(
        monkeypatch,
        {
            "VROEG_ENVIRONMENT": environment,
            "DATABASE_URL": UNSET,
            "VROEG_OIDC_ISSUER": UNSET,
            "VROEG_FAILPOINTS": "consumer.after_commit",
            "KAFKA_SECURITY_PROTOCOL": UNSET,
        },
    )
    assert settings.oidc_issuer.startswith("http://127.0.0.1")


def test_every_refusal_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as refused:
        settings_with(monkeypatch, {"DATABASE_URL": UNSET, "VROEG_OIDC_ISSUER": UNSET})
    assert "DATABASE_URL" in str(refused.value)
    assert "VROEG_OIDC_ISSUER" in str(refused.value)


def test_a_service_with_refused_settings_exits_at_start_with_the_reasons_and_no_secret() -> None:
    """The console script ends before serving anything, naming each reason, not a traceback,
    and repeats no value: settings hold passwords."""
    env = {
        "PATH": "/usr/bin:/bin",
        "VROEG_ENVIRONMENT": "production",
        "DATABASE_URL": "postgresql+asyncpg://vroeg:vroeg@db.gemeente.example/vroeg",
        "VROEG_OIDC_ISSUER": "http://user:issuer-secret-456@idp.gemeente.example",
        "KAFKA_SASL_PASSWORD": "kafka-secret-789",
    }
    started = subprocess.run(
        [sys.executable, "-c", "from vroeg.matcher.app import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "settings refused" in started.stderr
    assert "development credentials" in started.stderr
    assert "VROEG_OIDC_ISSUER must be an https URL" in started.stderr
    assert "Traceback" not in started.stderr
    assert "issuer-secret-456" not in started.stderr
    assert "kafka-secret-789" not in started.stderr


def test_an_unknown_failpoint_is_an_error_not_a_silent_no_op() -> None:
    with pytest.raises(ValueError, match="unknown failpoints"):
        Failpoints("consumer.after_comit")
