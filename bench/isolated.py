"""What every benchmark starts from: the local infrastructure, a database and topic namespace
of its own, and the platform's processes configured for them."""

from __future__ import annotations

import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from vroeg.deploy import infra
from vroeg.deploy.processes import DEVELOPMENT_TENANTS, Platform, free_port


@dataclass(frozen=True)
class Bench:
    """A platform isolated for one benchmark run."""

    platform: Platform
    kafka: str
    prefix: str

    def topic(self, logical: str) -> str:
        return f"{self.prefix}{logical}"


@asynccontextmanager
async def isolated_platform(
    name: str, env: dict[str, str], served: tuple[str, ...] = DEVELOPMENT_TENANTS
) -> AsyncIterator[Bench]:
    """The platform on free ports, its own database and topics, serving `served` (entered in
    intake's tenant registry when intake starts); torn down afterwards."""
    endpoints = infra.up()
    database = await infra.recreate_database(endpoints.database_url, f"vroeg_bench_{name}")
    prefix = f"bench-{name}-{int(time.time())}."
    platform = Platform(
        {
            **endpoints.env(),
            "DATABASE_URL": database,
            "VROEG_TOPIC_PREFIX": prefix,
            "VROEG_LOG_LEVEL": "WARNING",
            **env,
        },
        log_dir=Path(tempfile.mkdtemp(prefix=f"vroeg-bench-{name}-")),
        ports={process: free_port() for process in Platform.names()},
        served=served,
    )
    try:
        yield Bench(platform, endpoints.kafka_bootstrap_servers, prefix)
    finally:
        try:
            platform.stop()
            await infra.drop_database(database)
        finally:
            # Its topics (a national month's: 35 of 6 partitions each), not left on the broker.
            await infra.delete_topics(prefix, bootstrap_servers=endpoints.kafka_bootstrap_servers)
