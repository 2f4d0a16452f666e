"""Settings shared by every service, read from the environment (pydantic-settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Environment = Literal["development", "test", "production"]

# Well-known development credentials: accepted only outside production.
DEVELOPMENT_DATABASE_URL = "postgresql+asyncpg://vroeg:vroeg@127.0.0.1:54329/vroeg"
# The identity provider stand-in (`vroeg-idp-standin`) that development and tests run.
DEVELOPMENT_OIDC_ISSUER = "http://127.0.0.1:8091"


class ServiceSettings(BaseSettings):
    """What every service needs: where its database and broker are, and how it behaves."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    environment: Environment = Field(default="development", alias="VROEG_ENVIRONMENT")
    database_url: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_DATABASE_URL), alias="DATABASE_URL"
    )
    kafka_bootstrap_servers: str = Field(default="127.0.0.1:19092", alias="KAFKA_BOOTSTRAP_SERVERS")
    # Prepended to every topic name: isolates tests and co-hosted deployments on one broker.
    topic_prefix: str = Field(default="", alias="VROEG_TOPIC_PREFIX")
    topic_partitions: int = Field(default=3, alias="VROEG_TOPIC_PARTITIONS", ge=1)
    topic_replication_factor: int = Field(default=1, alias="VROEG_TOPIC_REPLICATION_FACTOR", ge=1)
    host: str = Field(default="127.0.0.1", alias="VROEG_HOST")
    port: int = Field(default=8000, alias="VROEG_PORT")
    workers: int = Field(default=1, alias="VROEG_WORKERS", ge=1)
    migrate_on_start: bool = Field(default=True, alias="VROEG_MIGRATE_ON_START")
    consumer_max_attempts: int = Field(default=5, alias="VROEG_CONSUMER_MAX_ATTEMPTS", ge=1)
    consumer_retry_backoff_s: float = Field(
        default=0.5, alias="VROEG_CONSUMER_RETRY_BACKOFF_S", ge=0
    )
    outbox_poll_interval_s: float = Field(default=0.5, alias="VROEG_OUTBOX_POLL_INTERVAL_S", gt=0)
    outbox_linger_s: float = Field(default=0.01, alias="VROEG_OUTBOX_LINGER_S", ge=0)
    # Longer than the broker's retention (7 days), so every redeliverable record is recognised.
    inbox_retention_days: int = Field(default=14, alias="VROEG_INBOX_RETENTION_DAYS", ge=1)
    housekeeping_interval_s: float = Field(
        default=3600, alias="VROEG_HOUSEKEEPING_INTERVAL_S", gt=0
    )
    api_contact_name: str = Field(default="vroeg", alias="VROEG_API_CONTACT_NAME")
    api_contact_url: str = Field(default="https://vroeg.nl", alias="VROEG_API_CONTACT_URL")
    api_contact_email: str = Field(default="api@vroeg.nl", alias="VROEG_API_CONTACT_EMAIL")
    # Staff sign in at the municipality's OpenID Connect provider (see `staff`).
    oidc_issuer: str = Field(default=DEVELOPMENT_OIDC_ISSUER, alias="VROEG_OIDC_ISSUER")
    oidc_audience: str = Field(default="vroeg", alias="VROEG_OIDC_AUDIENCE")
    log_level: str = Field(default="INFO", alias="VROEG_LOG_LEVEL")
    # Fault injection for crash tests (see messaging.failpoints); refused in production.
    failpoints: str = Field(default="", alias="VROEG_FAILPOINTS")

    @model_validator(mode="after")
    def _refuse_development_defaults_in_production(self) -> ServiceSettings:
        if self.environment != "production":
            return self
        if self.database_url.get_secret_value() == DEVELOPMENT_DATABASE_URL:
            raise ValueError("DATABASE_URL must be set explicitly in production")
        if self.oidc_issuer == DEVELOPMENT_OIDC_ISSUER:
            raise ValueError("VROEG_OIDC_ISSUER must be set explicitly in production")
        if self.failpoints:
            raise ValueError("VROEG_FAILPOINTS is for tests and is refused in production")
        return self

    def topic(self, logical_name: str) -> str:
        """The physical topic name for a logical one."""
        return f"{self.topic_prefix}{logical_name}"
