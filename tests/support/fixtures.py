"""Fixtures for the cross-service tests: real Kafka and PostgreSQL, services as processes.

Every test gets its own database and its own topic namespace, so tests never see each
other's events or rows.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.support.kafka import delete_topics_with_prefix
from tests.support.otlp import OtlpReceiver
from vroeg.deploy import infra
from vroeg.deploy.processes import DEVELOPMENT_TENANTS, Platform, free_port
from vroeg.deploy.provisioning import register_creditor, serve_municipalities


@dataclass(frozen=True)
class Isolation:
    """One test's own database and topic namespace on the shared infrastructure."""

    kafka: str
    database_url: str
    topic_prefix: str

    def topic(self, logical: str) -> str:
        return f"{self.topic_prefix}{logical}"

    def group(self, service: str) -> str:
        """The consumer group of a service of this namespace."""
        return f"vroeg-{self.topic_prefix}{service}"

    def env(self) -> dict[str, str]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "DATABASE_URL": self.database_url,
            "VROEG_TOPIC_PREFIX": self.topic_prefix,
            "VROEG_ENVIRONMENT": "test",
            "VROEG_CONSUMER_MAX_ATTEMPTS": "3",
            "VROEG_CONSUMER_RETRY_BACKOFF_S": "0.05",
            "VROEG_OUTBOX_POLL_INTERVAL_S": "0.2",
        }


def pytest_configure(config: pytest.Config) -> None:
    """Tests run as `VROEG_ENVIRONMENT=test`: services default to production, which refuses
    the stand-ins and development keys the tests use (tests of production set it themselves)."""
    os.environ["VROEG_ENVIRONMENT"] = "test"


@pytest.fixture(scope="session")
def endpoints() -> Iterator[infra.Endpoints]:
    """Kafka and PostgreSQL for the session: reused when running, else started and stopped.

    Under pytest-xdist each worker has its own session: a lock lets one of them start what is
    missing while the others wait, and no worker stops it, since another may still be using
    it (`./dev test` starts the infrastructure before its workers and stops it after them).
    """
    os.environ.setdefault("VROEG_HOME", str(Path(__file__).resolve().parents[2] / ".vroeg"))
    lock_file = infra.state_dir() / "infra.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        running = infra.status()
        endpoints = infra.up()
    yield endpoints
    if "PYTEST_XDIST_WORKER" not in os.environ:
        infra.down(kafka=not running["kafka"], postgresql=not running["postgresql"], tracing=False)


@contextmanager
def isolated(endpoints: infra.Endpoints) -> Iterator[Isolation]:
    """A fresh database and topic prefix; the database and the topics are dropped after."""
    suffix = uuid4().hex[:12]
    url = asyncio.run(infra.recreate_database(endpoints.database_url, f"vroeg_test_{suffix}"))
    iso = Isolation(endpoints.kafka_bootstrap_servers, url, f"t{suffix}.")
    try:
        yield iso
    finally:
        asyncio.run(infra.drop_database(url))
        asyncio.run(delete_topics_with_prefix(iso.kafka, iso.topic_prefix))


@pytest.fixture
def isolation(endpoints: infra.Endpoints) -> Iterator[Isolation]:
    """This test's own database and topic namespace."""
    with isolated(endpoints) as iso:
        yield iso


def platform_for(
    iso: Isolation,
    log_dir: Path,
    env: dict[str, str] | None = None,
    served: tuple[str, ...] = DEVELOPMENT_TENANTS,
) -> Platform:
    """The platform wired to an isolation, on free ports; intake serves `served` (entered in
    its tenant registry when it starts)."""
    ports = {name: free_port() for name in Platform.names()}
    return Platform(iso.env(), log_dir=log_dir, ports=ports, env=env or {}, served=served)


PlatformFactory = Callable[..., Platform]


def staff_headers(platform: Platform, username: str) -> dict[str, str]:
    """A bearer token for a demo account of the identity-provider stand-in (password = name),
    e.g. `analyst-0363`, `vroegsignaleerder-0363`, `reviewer-0363`."""
    grant = {"grant_type": "password", "username": username, "password": username}
    response = httpx.post(f"{platform['idp-standin'].url}/token", data=grant)
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def creditor_key(
    intake_url: str, vlp: tuple[str, str] = ("woonstad", "HUUR"), **kw: Any
) -> str:
    """Register a creditor with an agreement for 0363 through intake's admin API; its key.
    0363 is entered in the tenant registry first where the test started intake alone."""
    await asyncio.to_thread(serve_municipalities, intake_url, DEVELOPMENT_TENANTS)
    async with httpx.AsyncClient(base_url=intake_url) as http:
        return await register_creditor(http, *vlp, **kw)


@pytest.fixture
def make_platform(
    isolation: Isolation, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[PlatformFactory]:
    """Builds the platform on free ports for this test; stops every process at the end."""
    made: list[Platform] = []

    def make(
        env: dict[str, str] | None = None, served: tuple[str, ...] = DEVELOPMENT_TENANTS
    ) -> Platform:
        platform = platform_for(isolation, tmp_path / "logs", env, served)
        made.append(platform)
        return platform

    yield make
    for platform in made:
        platform.stop()
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        for platform in made:
            for process in platform.processes.values():
                print(f"--- {process.name} log ---\n{process.tail()}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Keep each phase's report on the test item, so fixtures can print logs on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def otlp() -> Iterator[OtlpReceiver]:
    """An OpenTelemetry collector's OTLP/HTTP endpoint, keeping the spans it is sent."""
    receiver = OtlpReceiver()
    receiver.start()
    yield receiver
    receiver.stop()
