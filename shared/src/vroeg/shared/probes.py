"""What every service answers at its root: `/health`, `/ready` and `/metrics`.

- `/health`: the process is alive, i.e. every supervised background task runs. DOWN (503)
  names the task that does not; an orchestrator restarts a process that stays DOWN.
- `/ready`: the service can do its job, i.e. what its spec's `ready_when` names is reachable
  (the database, for every service today: intake's outbox buffers while Kafka is down and
  brp-check's review API and import need no BRP). Everything else observed (broker, BRP and
  other dependencies, consumer lag, outbox backlog) is reported in `details` and in metrics,
  and never flips readiness: traffic would only be sent elsewhere for no gain.
- `/metrics`: Prometheus metrics (see `vroeg.shared.metrics`), not part of the `/v1` API and
  not traced.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry.instrumentation.utils import suppress_instrumentation

from vroeg.shared import metrics
from vroeg.shared.http import problem_response
from vroeg.shared.messaging.kafka import broker_reachable

if TYPE_CHECKING:
    from vroeg.shared.messaging.relay import OutboxRelay
    from vroeg.shared.service import Runtime

# No probe waits longer for one dependency.
PROBE_TIMEOUT_S = 2.0


class Need(StrEnum):
    """Something a service may need to be ready."""

    DATABASE = "database"
    BROKER = "broker"


@dataclass(frozen=True)
class Observation:
    """What a probe saw: the needs' states, and the rest for information."""

    checks: dict[Need, bool]
    details: dict[str, Any]


async def observe(runtime: Runtime) -> Observation:
    """Look at the dependencies, the consumer and the outbox; update the gauges.

    Probes and scrapes make no traces: their queries are not instrumented.
    """
    with suppress_instrumentation():
        return await _observe(runtime)


async def _observe(runtime: Runtime) -> Observation:
    relay = runtime.relay
    if relay is None:  # a service without messaging (the web app) has no broker to watch
        checks = {Need.DATABASE: await _database_up(runtime)}
    else:
        database, broker = await asyncio.gather(_database_up(runtime), _broker_up(relay))
        checks = {Need.DATABASE: database, Need.BROKER: broker}
    for need, up in checks.items():
        metrics.dependency_state(need, up)
    details: dict[str, Any] = {
        "tasks": {name: _up(up) for name, up in runtime.supervisor.status().items()},
        "dependencies": {name: _up(up) for name, up in metrics.dependencies().items()},
    }
    if relay is not None and checks[Need.DATABASE]:
        with contextlib.suppress(Exception):
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                backlog = await relay.backlog()
            metrics.OUTBOX_DEPTH.set(backlog.depth)
            metrics.OUTBOX_OLDEST_AGE.set(backlog.oldest_age_s)
            details["outbox"] = {
                "depth": backlog.depth,
                "oldestAgeSeconds": round(backlog.oldest_age_s, 3),
            }
        for read in runtime.gauges:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(PROBE_TIMEOUT_S):
                    await read(runtime.database, runtime.settings)
    consumer = runtime.consumer
    if consumer is not None:
        lags = {}
        if checks.get(Need.BROKER):
            with contextlib.suppress(Exception):
                async with asyncio.timeout(PROBE_TIMEOUT_S):
                    lags = await consumer.lag()
                # Only the partitions assigned now: a moved one is reported by its new owner.
                metrics.CONSUMER_LAG.clear()
        for tp, lag in lags.items():
            metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(lag)
        details["consumer"] = {
            "waitingOn": consumer.waiting_on,
            "lag": {f"{tp.topic}/{tp.partition}": lag for tp, lag in sorted(lags.items())},
        }
    return Observation(checks, details)


def router() -> APIRouter:
    """The probes, for the root app (outside `/v1`)."""
    probes = APIRouter(tags=["probes"])

    @probes.get(
        "/health", summary="The process is alive: every background task runs.", response_model=None
    )
    async def health(request: Request) -> dict[str, Any] | JSONResponse:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        tasks = runtime.supervisor.status() if runtime is not None else {}
        states = {name: _up(up) for name, up in tasks.items()}
        down = sorted(name for name, up in tasks.items() if not up)
        if not down:
            return {"status": "UP", "tasks": states}
        return problem_response(
            503,
            code="down",
            title="Service Unavailable",
            detail=f"background tasks not running: {', '.join(down)}",
            tasks=states,
        )

    @probes.get("/ready", summary="The service can do its job.", response_model=None)
    async def ready(request: Request) -> dict[str, Any] | JSONResponse:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        if runtime is None:
            return problem_response(503, code="not-ready", title="Service Unavailable")
        seen = await observe(runtime)
        body: dict[str, Any] = {
            "requires": sorted(runtime.ready_when),
            "checks": {need.value: up for need, up in seen.checks.items()},
            "details": seen.details,
        }
        missing = sorted(need for need in runtime.ready_when if not seen.checks.get(need))
        if not missing:
            return {"status": "UP", **body}
        return problem_response(
            503,
            code="not-ready",
            title="Service Unavailable",
            detail=f"unreachable: {', '.join(missing)}",
            **body,
        )

    @probes.get("/metrics", summary="Prometheus metrics.", include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        if runtime is not None:
            await observe(runtime)  # the gauges that are read, not counted
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    return probes


def _up(up: bool) -> str:
    return "UP" if up else "DOWN"


async def _database_up(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S), runtime.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
    except Exception:
        return False
    return True


async def _broker_up(relay: OutboxRelay) -> bool:
    producer = relay.started_producer
    if producer is None:  # the relay could not start one
        return False
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            return await broker_reachable(producer)
    except TimeoutError:
        return False
