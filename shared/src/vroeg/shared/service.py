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
import uvicorn
from fastapi import APIRouter, FastAPI
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy.ext.asyncio import AsyncEngine

from vroeg.shared import gc_tuning, metrics, probes
from vroeg.shared.db import create_engine, create_sessionmaker
from vroeg.shared.http import API_VERSION, finish_openapi, install_conventions
from vroeg.shared.messaging.consumer import EventConsumer, Subscription
from vroeg.shared.messaging.failpoints import Failpoints
from vroeg.shared.messaging.housekeeping import inbox_housekeeping
from vroeg.shared.messaging.kafka import create_producer, ensure_topics
from vroeg.shared.messaging.relay import OutboxRelay, RelayLimits
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.migrations import upgrade_to_head
from vroeg.shared.probes import Need
from vroeg.shared.retention import Erasure, retention_job
from vroeg.shared.settings import ServiceSettings, load_settings
from vroeg.shared.staff import StaffVerifier
from vroeg.shared.supervision import PeriodicJob, Supervisor, Worker, run_periodically
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
WorkerFactory = Callable[[Resources, Any], Sequence[Worker]]
# Reads the service's own tables and sets its gauges; run at each scrape (see `probes`), with
# the service's settings.
GaugeReader = Callable[[Database, ServiceSettings], Awaitable[None]]


async def no_subscriptions(stack: AsyncExitStack, settings: Any) -> Sequence[Subscription]:
    """For a service that reads no topics."""
    return ()


def no_jobs(stack: Resources, settings: Any) -> Sequence[PeriodicJob]:
    """For a service without periodic jobs of its own."""
    return ()


def no_workers(stack: Resources, settings: Any) -> Sequence[Worker]:
    """For a service whose replicas have no work of their own besides consuming."""
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
    # Work each replica does all the time beside the others (supervised, not exclusive).
    workers: WorkerFactory = no_workers
    # The personal data it holds and when it falls due (R-MAT-5; `vroeg.shared.retention`).
    retention: Sequence[Erasure] = ()
    # What `/ready` requires: what the service's API needs to do its job (see `probes`).
    ready_when: frozenset[Need] = frozenset({Need.DATABASE})
    # Gauges of the service's own state (e.g. how long its oldest item waits), read from its
    # database at each scrape, as the outbox's are.
    gauges: Sequence[GaugeReader] = ()
    # Whether it reads or writes topics: an outbox relay, a consumer, its topics and inbox
    # housekeeping. The staff web app has none of these: it only calls the services' APIs.
    messaging: bool = True

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
    relay: OutboxRelay | None  # None for a service without messaging
    consumer: EventConsumer | None
    staff: StaffVerifier
    resources: Resources
    supervisor: Supervisor
    ready_when: frozenset[Need]
    gauges: Sequence[GaugeReader] = ()


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
    install_conventions(api, max_body_bytes=settings.max_body_bytes)
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
        # Never FastAPI's own exporters (FASTAPI_OTEL_AUTO_CONFIGURE): they would send spans
        # past `telemetry.Scrubbed`.
        telemetry={"exclude": _is_probe, "auto_configure": False},
    )
    install_conventions(app)
    app.add_middleware(metrics.HttpMetrics)
    app.include_router(probes.router())
    app.mount(API_PREFIX, api)
    # Uses the global tracer provider, which `main` sets before serving.
    return app


def _is_probe(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in ("/health", "/ready", "/metrics")


AppBuilder = Callable[[ServiceSpec, Any], FastAPI]


def entrypoints(
    spec: ServiceSpec, settings_type: type[ServiceSettings], build: AppBuilder = create_app
) -> tuple[Callable[[], FastAPI], Callable[[], None]]:
    """The service's ASGI app factory (`uvicorn --factory`) and its console-script `main`;
    `build` makes the app (the web app builds its pages around `running`)."""

    def settled(settings: ServiceSettings) -> FastAPI:
        """The app, built; then the collector set on what building it left (`gc_tuning`)."""
        built = build(spec, settings)
        gc_tuning.settle()
        return built

    def app() -> FastAPI:
        # uvicorn calls this in each worker process (VROEG_WORKERS > 1): logs and tracing are
        # set up per process, or a worker would log unstructured and export no spans.
        settings = load_settings(settings_type)
        configure_logging(spec.name, settings.log_level)
        configure_tracing(spec.name)
        return settled(settings)

    def main() -> None:
        settings = load_settings(settings_type)
        configure_logging(spec.name, settings.log_level)
        configure_tracing(spec.name)
        metrics.share_between_workers(settings.workers)
        # Several workers are several processes, each with its own relay and consumer (the
        # relay lock and the consumer group share the work), each building its app from the
        # import string (`app`); one worker is this process, its app built here.
        target: FastAPI | str = (
            settled(settings) if settings.workers == 1 else f"vroeg.{spec.schema}.app:app"
        )
        uvicorn.run(
            target,
            factory=settings.workers > 1,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_config=None,
            access_log=False,
            # `request.client` is the TCP peer: whom to trust (intake's certificate header) is
            # decided by the peer, never by an X-Forwarded-For it may have written itself.
            proxy_headers=False,
            timeout_graceful_shutdown=15,
            # A spawned worker answers the supervisor's first ping only once its imports are
            # done, which on a busy machine takes longer than uvicorn's 5 s.
            timeout_worker_healthcheck=30,
        )

    return app, main


@asynccontextmanager
async def _lifespan(
    app: FastAPI, api: FastAPI, spec: ServiceSpec, settings: ServiceSettings
) -> AsyncIterator[None]:
    async with running(spec, settings) as runtime:
        app.state.runtime = api.state.runtime = runtime
        yield


@asynccontextmanager
async def running(spec: ServiceSpec, settings: ServiceSettings) -> AsyncIterator[Runtime]:
    """The service running: database migrated, relay, consumer and jobs supervised; stopped
    gracefully when the block ends."""
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
        database = Database(create_sessionmaker(engine), service=spec.name, settings=settings)
        relay = (
            await _start_messaging(spec, settings, subscriptions, database, failpoints, stack)
            if spec.messaging
            else None
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
            settings,
            engine,
            database,
            relay,
            consumer,
            staff,
            stack,
            supervisor,
            spec.ready_when,
            spec.gauges,
        )
        if relay is not None:
            supervisor.start(RELAY_TASK, relay.run)
        if consumer is not None:
            supervisor.start(CONSUMER_TASK, consumer.run)
        jobs = [
            *(
                [
                    inbox_housekeeping(
                        retention=timedelta(days=settings.inbox_retention_days),
                        interval_s=settings.housekeeping_interval_s,
                        chunk_rows=settings.housekeeping_chunk_rows,
                    )
                ]
                if spec.messaging
                else []
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
        for worker in spec.workers(stack, settings):
            supervisor.start(worker.name, partial(worker.run, database))
        log.info("service started", extra={"topics_read": consumer.topics if consumer else ()})
        try:
            yield runtime
        finally:
            await _stop(runtime)


async def _start_messaging(
    spec: ServiceSpec,
    settings: ServiceSettings,
    subscriptions: Sequence[Subscription],
    database: Database,
    failpoints: Failpoints,
    stack: Resources,
) -> OutboxRelay:
    """Create the service's topics and start its outbox relay's producer."""
    used: set[Topic] = {
        *produced_by(spec.name),
        *(s.topic for s in subscriptions),
        *consumed_by(spec.name),
    }
    topics = {settings.topic(t.name): t.personal_data for t in used}
    topics[settings.topic(dead_letter_topic(spec.name))] = True
    await ensure_topics(
        settings,
        topics,
        service=spec.name,
        compacted={settings.topic(t.name) for t in used if t.compacted},
        kept={settings.topic(t.name) for t in used if t.fact},
    )
    relay = OutboxRelay(
        database,
        partial(create_producer, settings, service=spec.name),
        schema=spec.schema,
        poll_interval_s=settings.outbox_poll_interval_s,
        linger_s=settings.outbox_linger_s,
        limits=RelayLimits(
            send_timeout_s=settings.outbox_send_timeout_s,
            statement_timeout_s=settings.outbox_statement_timeout_s,
        ),
        failpoints=failpoints,
    )
    await relay.producer()
    stack.push_async_callback(relay.close)
    return relay


async def _stop(runtime: Runtime) -> None:
    """Graceful stop: the consumer finishes its event and commits; the relay drains once."""
    if runtime.consumer is not None:
        runtime.consumer.stop()
    await runtime.supervisor.finish(CONSUMER_TASK, grace_s=10)
    if runtime.relay is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(runtime.relay.relay_batch(), timeout=5)
    await runtime.supervisor.cancel()
