"""Settings shared by every service, read from the environment (pydantic-settings).

Production fails closed: unless `VROEG_ENVIRONMENT` says `development` or `test`, a service
refuses to start with any development default (stand-ins, development keys and credentials,
failpoints) and names every one it found.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import ClassVar, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from vroeg.shared.calendar import DECREED_DAYS_OFF
from vroeg.shared.clock import Clock
from vroeg.shared.http import DEFAULT_MAX_BODY_BYTES

Environment = Literal["development", "test", "production"]
# Where development defaults and stand-ins are allowed; anything else is production.
DEVELOPMENT_ENVIRONMENTS: frozenset[str] = frozenset({"development", "test"})

# Well-known development credentials: accepted only in development and tests.
DEVELOPMENT_DATABASE_URL = "postgresql+asyncpg://vroeg:vroeg@127.0.0.1:54329/vroeg"
DEVELOPMENT_DATABASE_CREDENTIALS = ("vroeg", "vroeg")
# The identity provider stand-in (`vroeg-idp-standin`) that development and tests run.
DEVELOPMENT_OIDC_ISSUER = "http://127.0.0.1:8091"


DEFAULT_MONTHS = 6
MAX_MONTHS = 12  # the policy may set up to 12 months (R-MAT-5, guideline §3.5)


@dataclass(frozen=True)
class RetentionPolicy:
    """Months after its clock a row's personal data is erased, per municipality (R-MAT-5)."""

    default_months: int = DEFAULT_MONTHS
    by_municipality: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A mistyped code would silently get the default instead of the municipality's policy.
        for code in self.by_municipality:
            if not (len(code) == 4 and code.isascii() and code.isdigit()):
                raise ValueError(f"retention policy for {code!r}: not a 4-digit CBS code")
        for who, months in {"default": self.default_months, **self.by_municipality}.items():
            if not 1 <= months <= MAX_MONTHS:
                raise ValueError(
                    f"retention of {who} is {months} months; R-MAT-5 allows 1 to {MAX_MONTHS}"
                )

    @property
    def shortest_months(self) -> int:
        """What a copy shared by every municipality (a topic) may keep at most."""
        return min([self.default_months, *self.by_municipality.values()])


class KafkaConnection(BaseSettings):
    """How a Kafka client reaches the broker and signs in (see `messaging.connection`)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(default="127.0.0.1:19092", alias="KAFKA_BOOTSTRAP_SERVERS")
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", alias="KAFKA_SECURITY_PROTOCOL"
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="SCRAM-SHA-512", alias="KAFKA_SASL_MECHANISM"
    )
    kafka_sasl_username: str | None = Field(default=None, alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: SecretStr | None = Field(default=None, alias="KAFKA_SASL_PASSWORD")
    # PEM file of the CA(s) that signed the broker's certificate; the system's CAs when unset.
    kafka_ssl_ca_file: str | None = Field(default=None, alias="KAFKA_SSL_CA_FILE")

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> KafkaConnection:
        if self.kafka_security_protocol == "SASL_SSL" and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError(
                "KAFKA_SECURITY_PROTOCOL=SASL_SSL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            )
        return self


class ServiceSettings(KafkaConnection):
    """What every service needs: where its database and broker are, and how it behaves."""

    # Whether the service talks to Kafka (the web app does not: it calls the services' APIs),
    # and so whether production checks how it reaches the brokers.
    uses_kafka: ClassVar[bool] = True

    # Production unless said otherwise: a deployment that forgets it gets every check.
    environment: Environment = Field(default="production", alias="VROEG_ENVIRONMENT")
    database_url: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_DATABASE_URL), alias="DATABASE_URL"
    )
    # Production wants SASL_SSL; plain text only where the network itself protects the broker
    # (e.g. a service mesh with mutual TLS), said so explicitly.
    kafka_allow_plaintext: bool = Field(default=False, alias="KAFKA_ALLOW_PLAINTEXT")
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
    # Longest a consumer may go without polling before the group drops it; the poll loop never
    # waits for handlers, so only a stuck event loop comes near it.
    consumer_max_poll_interval_ms: int = Field(
        default=300_000, alias="VROEG_CONSUMER_MAX_POLL_INTERVAL_MS", ge=1000
    )
    outbox_poll_interval_s: float = Field(default=0.5, alias="VROEG_OUTBOX_POLL_INTERVAL_S", gt=0)
    outbox_linger_s: float = Field(default=0.01, alias="VROEG_OUTBOX_LINGER_S", ge=0)
    # The relay gives up a batch whose sends are not all acknowledged in time (and replaces its
    # producer); each statement of its transaction has its own limit.
    outbox_send_timeout_s: float = Field(default=30, alias="VROEG_OUTBOX_SEND_TIMEOUT_S", gt=0)
    outbox_statement_timeout_s: float = Field(
        default=15, alias="VROEG_OUTBOX_STATEMENT_TIMEOUT_S", gt=0
    )
    # Longer than the broker keeps records (7 days by default, and topics with personal data
    # `personal_topic_retention_days`), so every redeliverable record is recognised.
    inbox_retention_days: int = Field(default=14, alias="VROEG_INBOX_RETENTION_DAYS", ge=1)
    # R-MAT-5: months after receipt (later: after the case closed) personal data is erased;
    # default 6, per municipality up to 12 (`{"0363": 12}`). See `vroeg.shared.retention`.
    retention_months: int = Field(default=DEFAULT_MONTHS, alias="VROEG_RETENTION_MONTHS")
    retention_months_by_municipality: dict[str, int] = Field(
        default_factory=dict, alias="VROEG_RETENTION_MONTHS_BY_MUNICIPALITY"
    )
    retention_interval_s: float = Field(default=3600, alias="VROEG_RETENTION_INTERVAL_S", gt=0)
    # The days a royal decree adds to the general holidays (Algemene termijnenwet art. 3 lid 3),
    # a JSON list of dates: every deadline counts working days on `vroeg.shared.calendar`.
    decreed_days_off: tuple[date, ...] = Field(
        default=DECREED_DAYS_OFF, alias="VROEG_DECREED_DAYS_OFF"
    )
    # Kafka is a transport, not a store: topics with personal data (and dead letters) keep
    # records this long, which must be shorter than the inbox remembers ids and the policy.
    personal_topic_retention_days: int = Field(
        default=7, alias="VROEG_PERSONAL_TOPIC_RETENTION_DAYS", ge=1
    )
    housekeeping_interval_s: float = Field(
        default=3600, alias="VROEG_HOUSEKEEPING_INTERVAL_S", gt=0
    )
    # The inbox is purged this many rows per statement (and transaction): bounded locks and WAL.
    housekeeping_chunk_rows: int = Field(default=1000, alias="VROEG_HOUSEKEEPING_CHUNK_ROWS", ge=1)
    # A background task that died is started again after this, doubling per failure up to the
    # maximum (see `supervision`).
    task_restart_backoff_s: float = Field(default=1.0, alias="VROEG_TASK_RESTART_BACKOFF_S", gt=0)
    task_restart_max_backoff_s: float = Field(
        default=60.0, alias="VROEG_TASK_RESTART_MAX_BACKOFF_S", gt=0
    )
    api_contact_name: str = Field(default="vroeg", alias="VROEG_API_CONTACT_NAME")
    api_contact_url: str = Field(default="https://vroeg.nl", alias="VROEG_API_CONTACT_URL")
    api_contact_email: str = Field(default="api@vroeg.nl", alias="VROEG_API_CONTACT_EMAIL")
    # Staff sign in at the municipality's OpenID Connect provider (see `staff`).
    oidc_issuer: str = Field(default=DEVELOPMENT_OIDC_ISSUER, alias="VROEG_OIDC_ISSUER")
    oidc_audience: str = Field(default="vroeg", alias="VROEG_OIDC_AUDIENCE")
    # The header `typ` of the provider's access tokens: `at+jwt` (RFC 9068); a provider that
    # marks them otherwise (some send `JWT`) is configured here.
    oidc_token_type: str = Field(default="at+jwt", alias="VROEG_OIDC_TOKEN_TYPE", min_length=1)
    oidc_max_token_lifetime_s: int = Field(
        default=24 * 3600, alias="VROEG_OIDC_MAX_TOKEN_LIFETIME_S", gt=0
    )
    log_level: str = Field(default="INFO", alias="VROEG_LOG_LEVEL")
    # Largest request body a route takes unless it says otherwise (counted while it streams).
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY_BYTES, alias="VROEG_MAX_BODY_BYTES", ge=1024
    )
    # Fault injection for crash tests (see messaging.failpoints); refused in production.
    failpoints: str = Field(default="", alias="VROEG_FAILPOINTS")
    # Development and tests only: a file holding the moment scheduled work takes as now.
    clock_file: Path | None = Field(default=None, alias="VROEG_CLOCK_FILE")

    @property
    def clock(self) -> Clock:
        """The clock scheduled work reads (`vroeg.shared.clock`)."""
        return Clock(self.clock_file)

    @model_validator(mode="after")
    def _retention_is_consistent(self) -> ServiceSettings:
        policy = self.retention_policy  # refuses more than 12 months (R-MAT-5)
        # A month is at least 28 days: the topic never outlives the shortest policy.
        if self.personal_topic_retention_days > 28 * policy.shortest_months:
            raise ValueError(
                "VROEG_PERSONAL_TOPIC_RETENTION_DAYS must not exceed the shortest retention "
                f"policy ({policy.shortest_months} months, R-MAT-5)"
            )
        if self.inbox_retention_days <= self.personal_topic_retention_days:
            raise ValueError(
                "VROEG_INBOX_RETENTION_DAYS must exceed VROEG_PERSONAL_TOPIC_RETENTION_DAYS, or "
                "a redelivered record may no longer be recognised as processed"
            )
        return self

    @property
    def retention_policy(self) -> RetentionPolicy:
        """The retention policy per municipality (R-MAT-5)."""
        return RetentionPolicy(self.retention_months, self.retention_months_by_municipality)

    @property
    def personal_topic_retention_ms(self) -> int:
        """`retention.ms` of the topics that carry personal data."""
        return self.personal_topic_retention_days * 24 * 3600 * 1000

    @model_validator(mode="after")
    def _fail_closed_in_production(self) -> ServiceSettings:
        if self.environment in DEVELOPMENT_ENVIRONMENTS:
            return self
        refusals = self.production_refusals()
        if refusals:
            raise ValueError(
                f"refused in {self.environment} (VROEG_ENVIRONMENT; only development and test "
                "accept development defaults):\n- " + "\n- ".join(refusals)
            )
        return self

    def production_refusals(self) -> list[str]:
        """Every development default set; a service's settings add their own."""
        refusals = []
        if _has_development_credentials(self.database_url.get_secret_value()):
            refusals.append(
                "DATABASE_URL must be set to the production database: the development "
                "credentials are refused"
            )
        if refusal := public_https_refusal("VROEG_OIDC_ISSUER", self.oidc_issuer):
            refusals.append(refusal)
        if self.failpoints:
            refusals.append("VROEG_FAILPOINTS is for tests and is refused")
        if self.clock_file is not None:
            refusals.append("VROEG_CLOCK_FILE moves time for tests and is refused")
        if self.uses_kafka:
            refusals.extend(self._kafka_refusals())
        return refusals

    def _kafka_refusals(self) -> list[str]:
        refusals = []
        if "kafka_bootstrap_servers" not in self.model_fields_set:
            # The default is the broker `vroeg infra` starts on this machine.
            refusals.append("KAFKA_BOOTSTRAP_SERVERS must be set to the production brokers")
        if self.kafka_security_protocol == "PLAINTEXT" and not self.kafka_allow_plaintext:
            refusals.append(
                "KAFKA_SECURITY_PROTOCOL must be SASL_SSL; PLAINTEXT only with "
                "KAFKA_ALLOW_PLAINTEXT=true, where the network itself protects the broker"
            )
        if self.topic_replication_factor < 2:
            refusals.append(
                "VROEG_TOPIC_REPLICATION_FACTOR must be at least 2 (3 with min.insync.replicas=2 "
                "is usual): with one copy a broker's disk loss loses acknowledged events"
            )
        return refusals

    def topic(self, logical_name: str) -> str:
        """The physical topic name for a logical one."""
        return f"{self.topic_prefix}{logical_name}"


def _has_development_credentials(database_url: str) -> bool:
    try:
        url = make_url(database_url)
    except ArgumentError:
        return False  # not ours to judge here; the engine says what is wrong with it
    return (url.username, url.password) == DEVELOPMENT_DATABASE_CREDENTIALS


def public_https_refusal(name: str, url: str) -> str | None:
    """Why `url` (setting `name`) cannot serve production, or None: it must be HTTPS and not
    this machine (a stand-in in any spelling: localhost, 127.0.0.1, [::1], 0.0.0.0, 127.1 …)."""
    # The value is not repeated: a URL may carry credentials.
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "https":
        return f"{name} must be an https URL"
    if is_local_host(parts.hostname or ""):
        return f"{name} must name a production host, not this machine (a stand-in)"
    return None


def is_local_host(host: str) -> bool:
    """Whether a host name or address means this machine (loopback or unspecified)."""
    name = host.strip("[]").rstrip(".").lower()
    if not name or name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            name.split("%")[0]
        )
    except ValueError:
        try:
            # The forms C's inet_aton also reads: 127.1, 2130706433, 0x7f.0.0.1.
            address = ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


Settings = TypeVar("Settings", bound=ServiceSettings)


def load_settings(settings_type: type[Settings]) -> Settings:
    """A service's settings from the environment; refused settings end the process with the
    reasons (and no traceback)."""
    try:
        return settings_type()
    except ValidationError as exc:
        # Without the input values: a refused setting may be a secret.
        reasons = (
            f"{'.'.join(map(str, error['loc'])) or 'settings'}: "
            + error["msg"].removeprefix("Value error, ")
            for error in exc.errors(include_url=False, include_input=False)
        )
        raise SystemExit(
            f"{settings_type.__module__}: settings refused\n" + "\n".join(reasons)
        ) from None
