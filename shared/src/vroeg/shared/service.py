"""Builds a vroeg service: FastAPI app, database, outbox relay and consumer, wired in a lifespan.

Nothing is created at import time; everything lives in the lifespan and is reached through
`app.state.runtime` (see `deps`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

import httpx
import sqlalchemy as sa
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from vroeg.shared import metrics
from vroeg.shared.db import create_engine, create_sessionmaker
from vroeg.shared.http import API_VERSION, finish_openapi, install_conventions, problem_response
from vroeg.shared.messaging.consumer import EventConsumer, Subscription
from vroeg.shared.messaging.failpoints import Failpoints
from vroeg.shared.messaging.housekeeping import inbox_housekeeping
from vroeg.shared.messaging.kafka import broker_reachable, create_producer, ensure_topics
from vroeg.shared.messaging.relay import OutboxRelay
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.migrations import upgrade_to_head
from vroeg.shared.retention import Erasure, retention_job
from vroeg.shared.settings import ServiceSettings, load_settings
from vroeg.shared.staff import StaffVerifier
from vroeg.shared.supervision import PeriodicJob, Supervisor, run_periodically
from vroeg.shared.telemetry import configure_logging, configure_tracing
from vroeg.shared.topics import SERVICE_JOBS, Topic, consumed_by, dead_letter_topic, produced_by

log = logging.getLogger(__name__)

API_PREFIX = "/v1"
RELAY_TASK = "outbox-relay"
CONSUMER_TASK = "consumer"

T = TypeVar("T")


class Resources(AsyncExitStack):
    """What a service opens for its life (clients, …): closed with it, and reachable from its
    routes as well as its handlers (`runtime.resources.get(BrpClient)`)."""

    def __init__(self) -> None:
        super().__init__()
        self._provided: dict[type, object] = {}

    def provide(self, value: object) -> None:
        """Make `value` available by its type."""
        self._provided[type(value)] = value

    def get(self, kind: type[T]) -> T:
        """The provided value of a type."""
        value = self._provided[kind]
        assert isinstance(value, kind)
        return value


SubscriptionFactory = Callable[[Resources, Any], Awaitable[Sequence[Subscription]]]
JobFactory = Callable[[Resources, Any], Sequence[PeriodicJob]]


async def no_subscriptions(stack: AsyncExitStack, settings: Any) -> Sequence[Subscription]:
    """For a service that reads no topics."""
    return ()


def no_jobs(stack: Resources, settings: Any) -> Sequence[PeriodicJob]:
    """For a service without periodic jobs of its own."""
    return ()


@dataclass(frozen=True)
class ServiceSpec:
    """What makes one service different from the others.

    By convention service `brp-check` lives in package `vroeg.brp_check`, owns PostgreSQL
    schema `brp_check` and keeps its Alembic scripts in `vroeg.brp_check:migrations`.
    """

    name: str
    routers: Sequence[APIRouter]
    # Opens what the handlers and routes need (clients, …) on the resources, and returns the
    # subscriptions.
    subscriptions: SubscriptionFactory = no_subscriptions
    # The service's own periodic jobs (besides the inbox housekeeping every service runs),
    # each supervised and run by one replica at a time.
    jobs: JobFactory = no_jobs
    # The personal data it holds and when it falls due (R-MAT-5; `vroeg.shared.retention`).
    retention: Sequence[Erasure] = ()

    @property
    def schema(self) -> str:
        """The service's PostgreSQL schema (and Python package name)."""
        return self.name.replace("-", "_")

    @property
    def migrations(self) -> str:
        """Where Alembic finds the service's migration scripts."""
        return f"vroeg.{self.schema}:migrations"


@dataclass
class Runtime:
    """The live parts of a running service."""

    settings: ServiceSettings
    engine: AsyncEngine
    database: Database
    producer: AIOKafkaProducer
    relay: OutboxRelay
    consumer: EventConsumer | None
    staff: StaffVerifier
    resources: Resources
    supervisor: Supervisor


def create_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    """The service's FastAPI app; starting it (its lifespan) starts the whole service.

    The API itself is a sub-application mounted at `/v1` (its OpenAPI names `/v1` as its
    server, as the NL GOV API Design Rules want); `/health` and `/ready` sit at the root.
    Building it has no side effects, so tools can read its OpenAPI document in-process.
    """
    api = FastAPI(
        title=f"vroeg {spec.name}",
        description=SERVICE_JOBS[spec.name],
        version=API_VERSION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        servers=[{"url": API_PREFIX, "description": "this deployment"}],
        contact={
            "name": settings.api_contact_name,
            "url": settings.api_contact_url,
            "email": settings.api_contact_email,
        },
    )
    install_conventions(api)
    for router in spec.routers:
        api.include_router(router)
    finish_openapi(api)
    app = FastAPI(
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lambda app: _lifespan(app, api, spec, settings),
        # FastAPI's own OpenTelemetry server spans (global tracer provider, which `main` sets
        # before serving): one per request, named by the route as called (`POST /v1/signalen`),
        # continuing a caller's `traceparent`. Probes are not traced.
        telemetry={"exclude": _is_probe},
    )
    install_conventions(app)
    app.add_middleware(metrics.HttpMetrics)
    app.include_router(_probes())
    app.mount(API_PREFIX, api)
    # Uses the global tracer provider, which `main` sets before serving.
    return app


def _is_probe(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in ("/health", "/ready", "/metrics")


def entrypoints(
    spec: ServiceSpec, settings_type: type[ServiceSettings]
) -> tuple[Callable[[], FastAPI], Callable[[], None]]:
    """The service's ASGI app factory (`uvicorn --factory`) and its console-script `main`."""

    def app() -> FastAPI:
        return create_app(spec, load_settings(settings_type))

    def main() -> None:
        settings = load_settings(settings_type)
        configure_logging(spec.name, settings.log_level)
        configure_tracing(spec.name)
        metrics.share_between_workers(settings.workers)
        # Several workers are several processes, each with its own relay and consumer (the
        # relay lock and the consumer group share the work); one needs no import string.
        target: FastAPI | str = (
            create_app(spec, settings) if settings.workers == 1 else f"vroeg.{spec.schema}.app:app"
        )
        uvicorn.run(
            target,
            factory=settings.workers > 1,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=15,
        )

    return app, main


@asynccontextmanager
async def _lifespan(
    app: FastAPI, api: FastAPI, spec: ServiceSpec, settings: ServiceSettings
) -> AsyncIterator[None]:
    failpoints = Failpoints(settings.failpoints)
    HTTPXClientInstrumentor().instrument()
    engine = create_engine(settings, schema=spec.schema, service=spec.name)
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine,
        # The instrumentation declares SQLAlchemy < 2.1 and would silently do nothing.
        skip_dep_check=True,
    )
    async with Resources() as stack:
        stack.push_async_callback(engine.dispose)
        provider = trace.get_tracer_provider()
        if isinstance(provider, TracerProvider):
            stack.callback(provider.shutdown)  # flushes the spans not yet exported
        if settings.migrate_on_start:
            await upgrade_to_head(engine, schema=spec.schema, script_location=spec.migrations)
        subscriptions = await spec.subscriptions(stack, settings)
        used: set[Topic] = {
            *produced_by(spec.name),
            *(s.topic for s in subscriptions),
            *consumed_by(spec.name),
        }
        topics = {settings.topic(t.name): t.personal_data for t in used}
        topics[settings.topic(dead_letter_topic(spec.name))] = True
        await ensure_topics(settings, topics, service=spec.name)

        database = Database(create_sessionmaker(engine), service=spec.name, settings=settings)
        producer = create_producer(settings, service=spec.name)
        await producer.start()
        stack.push_async_callback(producer.stop)
        relay = OutboxRelay(
            database,
            producer,
            schema=spec.schema,
            poll_interval_s=settings.outbox_poll_interval_s,
            linger_s=settings.outbox_linger_s,
            failpoints=failpoints,
        )
        consumer = (
            EventConsumer(
                service=spec.name,
                settings=settings,
                database=database,
                subscriptions=subscriptions,
                failpoints=failpoints,
            )
            if subscriptions
            else None
        )
        identity_http = await stack.enter_async_context(httpx.AsyncClient(timeout=5.0))
        staff = StaffVerifier.for_settings(settings, identity_http)
        supervisor = Supervisor(
            backoff_s=settings.task_restart_backoff_s,
            max_backoff_s=settings.task_restart_max_backoff_s,
        )
        stack.callback(metrics.worker_exited)
        runtime = Runtime(
            settings, engine, database, producer, relay, consumer, staff, stack, supervisor
        )
        supervisor.start(RELAY_TASK, relay.run)
        if consumer is not None:
            supervisor.start(CONSUMER_TASK, consumer.run)
        jobs = [
            inbox_housekeeping(
                retention=timedelta(days=settings.inbox_retention_days),
                interval_s=settings.housekeeping_interval_s,
            ),
            *spec.jobs(stack, settings),
        ]
        if spec.retention:
            jobs.append(
                retention_job(
                    spec.retention,
                    settings.retention_policy,
                    interval_s=settings.retention_interval_s,
                )
            )
        for job in jobs:
            supervisor.start(
                job.name, partial(run_periodically, job, database, engine, schema=spec.schema)
            )
        app.state.runtime = api.state.runtime = runtime
        log.info("service started", extra={"topics_read": consumer.topics if consumer else ()})
        try:
            yield
        finally:
            await _stop(runtime)


async def _stop(runtime: Runtime) -> None:
    """Graceful stop: the consumer finishes its event and commits; the relay drains once."""
    if runtime.consumer is not None:
        runtime.consumer.stop()
    await runtime.supervisor.finish(CONSUMER_TASK, grace_s=10)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(runtime.relay.relay_batch(), timeout=5)
    await runtime.supervisor.cancel()


def _probes() -> APIRouter:
    router = APIRouter(tags=["probes"])

    @router.get(
        "/health", summary="The process is alive: every background task runs.", response_model=None
    )
    async def health(request: Request) -> dict[str, Any] | JSONResponse:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        tasks = runtime.supervisor.status() if runtime is not None else {}
        down = sorted(name for name, up in tasks.items() if not up)
        states = {name: "UP" if up else "DOWN" for name, up in tasks.items()}
        if not down:
            return {"status": "UP", "tasks": states}
        return problem_response(
            503,
            code="down",
            title="Service Unavailable",
            detail=f"background tasks not running: {', '.join(down)}",
            tasks=states,
        )

    @router.get("/metrics", summary="Prometheus metrics.", include_in_schema=False)
    async def prometheus() -> Response:
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    @router.get("/ready", summary="The database and the broker are reachable.", response_model=None)
    async def ready(request: Request) -> dict[str, Any] | JSONResponse:
        runtime: Runtime | None = getattr(request.app.state, "runtime", None)
        checks = {"database": False, "broker": False, "consumer": True}
        if runtime is not None:
            with contextlib.suppress(Exception):
                async with runtime.engine.connect() as conn:
                    await conn.execute(sa.text("SELECT 1"))
                checks["database"] = True
            checks["broker"] = await broker_reachable(runtime.producer)
            checks["consumer"] = not runtime.supervisor.down() and not (
                runtime.consumer is not None and runtime.consumer.waiting_on
            )
        if all(checks.values()):
            return {"status": "UP", "checks": checks}
        return problem_response(503, code="not-ready", title="Service Unavailable", checks=checks)

    return router
