"""Local infrastructure: Apache Kafka (KRaft, single node) and PostgreSQL, started from nothing,
and on request Zipkin, the tracing dashboard.

The broker is `kafka_server`'s, the database server `postgres_server`'s, the dashboard
`zipkin_server`'s; this module is what the tools and tests use of them. Where
`KAFKA_BOOTSTRAP_SERVERS` or `DATABASE_URL` is set, that service is used as it is and not
started.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.engine import make_url

from vroeg.deploy.kafka_server import (
    KAFKA_PORT,
    SaslSslListener,
    kafka_down,
    kafka_up,
)
from vroeg.deploy.postgres_server import PG_PORT, postgres_down, postgres_up
from vroeg.deploy.servers import InfraError, cache_dir, port_open, state_dir
from vroeg.deploy.zipkin_server import ZIPKIN_PORT, zipkin_down, zipkin_up

__all__ = [
    "KAFKA_PORT",
    "PG_PORT",
    "Endpoints",
    "InfraError",
    "SaslSslListener",
    "cache_dir",
    "down",
    "drop_database",
    "kafka_down",
    "kafka_up",
    "port_open",
    "recreate_database",
    "state_dir",
    "status",
    "up",
    "zipkin_down",
    "zipkin_export",
    "zipkin_up",
]


@dataclass(frozen=True)
class Endpoints:
    """Where the services find the infrastructure."""

    kafka_bootstrap_servers: str
    database_url: str
    # Zipkin's base URL, when the services are to send it their spans.
    zipkin: str | None = None

    def env(self) -> dict[str, str]:
        """As environment variables for the services."""
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "DATABASE_URL": self.database_url,
        }
        if self.zipkin:
            env.update(zipkin_export(self.zipkin))
        return env


def zipkin_export(zipkin: str) -> dict[str, str]:
    """The `OTEL_*` variables that make a service send its spans to the Zipkin at `zipkin`."""
    return {
        "OTEL_TRACES_EXPORTER": "zipkin",
        "OTEL_EXPORTER_ZIPKIN_ENDPOINT": f"{zipkin}/api/v2/spans",
    }


def up(*, tracing: bool = False) -> Endpoints:
    """Start whatever is not running yet and return the endpoints (idempotent); with
    `tracing`, Zipkin too."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or kafka_up()
    database = os.environ.get("DATABASE_URL") or postgres_up()
    endpoints = Endpoints(kafka, database, zipkin_up() if tracing else None)
    env_file = state_dir() / "infra.env"
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text("".join(f"{k}={v}\n" for k, v in endpoints.env().items()))
    return endpoints


def down(*, kafka: bool = True, postgresql: bool = True, tracing: bool = True) -> None:
    """Stop the Kafka broker, PostgreSQL server and Zipkin this tool started."""
    if kafka:
        kafka_down()
    if postgresql:
        postgres_down()
    if tracing:
        zipkin_down()


def status() -> dict[str, bool]:
    """Which of our local services answer."""
    return {
        "kafka": port_open(KAFKA_PORT),
        "postgresql": port_open(PG_PORT),
        "tracing": port_open(ZIPKIN_PORT),
    }


async def recreate_database(database_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `database_url`; its URL."""
    await _admin_sql(
        database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    return make_url(database_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(database_url: str) -> None:
    """Drop the database `database_url` names."""
    name = make_url(database_url).database
    await _admin_sql(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def delete_topics(prefix: str, **admin_options: Any) -> None:
    """Delete the topics whose names start with `prefix` (a finished test's or benchmark's):
    the broker keeps a few files open per partition and reads the metadata of every one, and
    a full test run or a national month creates thousands. `admin_options`: the admin
    client's (its `bootstrap_servers`, and security for a broker that wants it)."""
    admin = AIOKafkaAdminClient(**admin_options)
    await admin.start()
    try:
        names = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if names:
            await admin.delete_topics(names, timeout_ms=30_000)
    finally:
        await admin.close()


async def _admin_sql(database_url: str, *statements: str) -> None:
    """Run statements in the server's `postgres` database (CREATE/DROP DATABASE need that)."""
    url = make_url(database_url)
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database="postgres"
    )
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()
