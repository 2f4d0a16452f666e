"""Every Prometheus metric of the platform, defined once here, and serving them at `/metrics`.

Alert rules and dashboards refer to these names. Each service process serves its own; with
several workers (`VROEG_WORKERS>1`) the workers write to a shared directory
(`PROMETHEUS_MULTIPROC_DIR`, set by `main`) and whichever answers a scrape reports them all.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"

# Consumers: one series per topic read.
EVENTS_HANDLED = Counter(
    "vroeg_events_handled_total",
    "Events handled and committed, by topic (once each, however often a batch was redone).",
    ["topic"],
)
EVENTS_FAILED = Counter(
    "vroeg_events_failed_total",
    "Handler attempts that failed through the event's own fault (each retry counts).",
    ["topic"],
)
EVENTS_PARKED = Counter(
    "vroeg_events_parked_total",
    "Events parked on the dead-letter topic, by the topic they came from.",
    ["topic"],
)
HANDLER_SECONDS = Histogram(
    "vroeg_handler_duration_seconds",
    "Time the handler took in each counted outcome (handled or failed), by topic.",
    ["topic"],
)
CONSUMER_LAG = Gauge(
    "vroeg_consumer_lag",
    "Records on a partition not yet processed and committed by the service's group.",
    ["topic", "partition"],
    multiprocess_mode="mostrecent",
)

# The outbox relay.
OUTBOX_DEPTH = Gauge(
    "vroeg_outbox_depth", "Outbox rows not yet sent.", multiprocess_mode="mostrecent"
)
OUTBOX_OLDEST_AGE = Gauge(
    "vroeg_outbox_oldest_age_seconds",
    "Age of the oldest outbox row not yet sent (0 when empty).",
    multiprocess_mode="mostrecent",
)
OUTBOX_SENT = Counter("vroeg_outbox_sent_total", "Outbox rows sent and acknowledged.")
PRODUCER_RESTARTS = Counter(
    "vroeg_outbox_producer_restarts_total",
    "Times the relay replaced its Kafka producer after a fatal or timed-out send.",
)

# What a service depends on.
DEPENDENCY_UP = Gauge(
    "vroeg_dependency_up",
    "1 when a dependency (database, broker, brp, …) answered its last check, else 0.",
    ["dependency"],
    multiprocess_mode="mostrecent",
)

# Supervised background tasks (consumer, relay, jobs).
TASK_UP = Gauge(
    "vroeg_task_up",
    "1 while a supervised background task runs (lowest over the workers).",
    ["task"],
    multiprocess_mode="livemin",
)
TASK_RESTARTS = Counter(
    "vroeg_task_restarts_total", "Times a background task died and was restarted.", ["task"]
)

# brp-check's review queue (uitval, R-BRP-5): a crisis signal (announced disconnection or
# eviction) must be picked up within 3 working days of receipt however long review takes
# (R-FU-1), so its items come first and are alerted on as they age.
REVIEW_OLDEST_CRISIS_AGE = Gauge(
    "vroeg_review_oldest_crisis_age_seconds",
    "Age of the oldest open review item of a crisis signal, by municipality (none: no series).",
    ["municipality"],
    multiprocess_mode="mostrecent",
)
# The earliest deadline among them, in working days (Algemene termijnenwet) from today, so an
# alert can say "one working day left" across weekends and holidays.
REVIEW_CRISIS_WORKING_DAYS_LEFT = Gauge(
    "vroeg_review_crisis_working_days_left",
    "Working days left until the earliest first-contact deadline of an open crisis review item, "
    "by municipality (0: due today; negative: missed; none: no series).",
    ["municipality"],
    multiprocess_mode="mostrecent",
)

# Retention (R-MAT-5): rows whose personal data a run erased, by data class
# (`intake.signal`, `brp-check.review-item`, …).
RETENTION_ERASED = Counter(
    "vroeg_retention_erased_total",
    "Rows whose personal data the retention job erased, by data class.",
    ["data_class"],
)
DEADLINES_ANNOUNCED = Counter(
    "vroeg_deadlines_announced_total",
    "First-contact deadlines the scheduler announced, by what it announced (due_soon, missed).",
    ["state"],
)

OPEN_DEADLINES = Gauge(
    "vroeg_open_deadlines",
    "Open cases nobody has tried to reach yet, by municipality, whether crisis, and deadline "
    "state (due_soon: within the policy's working days; missed: past due). Read at scrape.",
    ["municipality", "crisis", "state"],
    multiprocess_mode="mostrecent",
)

# feedback's webhooks to creditors (Standard Webhooks), by creditor (`vlp_id`): few series.
WEBHOOK_DELIVERED = Counter(
    "vroeg_webhook_deliveries_total",
    "Webhook deliveries a creditor's endpoint acknowledged with a 2xx, by creditor.",
    ["creditor"],
)
WEBHOOK_FAILURES = Counter(
    "vroeg_webhook_failures_total",
    "Webhook delivery attempts that failed (an answer other than 2xx, a timeout, no "
    "connection), by creditor; each retry counts.",
    ["creditor"],
)
WEBHOOK_DEAD_LETTERS = Counter(
    "vroeg_webhook_dead_letters_total",
    "Webhook deliveries parked as dead letters after the retry policy ran out, by creditor.",
    ["creditor"],
)
WEBHOOK_OLDEST_PENDING_AGE = Gauge(
    "vroeg_webhook_oldest_pending_age_seconds",
    "Age of the oldest webhook delivery not yet acknowledged nor parked, by creditor (none: "
    "no series). Read at scrape.",
    ["creditor"],
    multiprocess_mode="mostrecent",
)
# feedback's forwarding of relocated signals (Awb 2:3), by destination municipality: few series.
FORWARD_FAILURES = Counter(
    "vroeg_forward_failures_total",
    "Posts of a forwarded signal to the receiving intake that were not acknowledged and will be "
    "tried again (no connection, a timeout, a 5xx, or a 401/403/404: the registry's key or URL "
    "for that destination is wrong), by destination; each retry counts.",
    ["destination"],
)
# feedback's relay of what a receiving deployment says on the signals forwarded there (Awb
# 2:3): items it refused to tell the creditor, by why (never what they held).
FORWARDED_FEEDBACK_REFUSED = Counter(
    "vroeg_forwarded_feedback_refused_total",
    "Items of a receiving deployment's feedback feed not relayed to the creditor, by why: "
    "outside_closed_set (an unknown type, reason or field), not_ours (no open forward of this "
    "feed names its signal), bad_page (the page itself was malformed).",
    ["reason"],
)
WEBHOOK_PARKED = Gauge(
    "vroeg_webhook_dead_letters_waiting",
    "Webhook deliveries parked as dead letters and not replayed, by creditor (none: no "
    "series). Read at scrape.",
    ["creditor"],
    multiprocess_mode="mostrecent",
)

# The tenant registry's sealed keys (`vroeg.shared.registry_keys`): one that cannot be opened
# means VROEG_REGISTRY_SECRET_KEY lost the key that sealed it; forwards wait meanwhile.
REGISTRY_KEYS_UNREADABLE = Counter(
    "vroeg_registry_keys_unreadable_total",
    "Keys of the tenant registry that VROEG_REGISTRY_SECRET_KEY could not open when needed.",
)

RETENTION_LAST_RUN = Gauge(
    "vroeg_retention_last_run_timestamp_seconds",
    "When the retention job last erased everything due (Unix time; 0 before its first run). "
    "One replica runs it at a time: take the highest over a service's replicas.",
    multiprocess_mode="max",
)

# HTTP, by route template (`/v1/signalen/{signal_id}`), never by the path as called.
HTTP_REQUESTS = Counter(
    "vroeg_http_requests_total",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "vroeg_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
)

UNMATCHED_ROUTE = "unmatched"
# Probes and scrapes are not traffic.
_UNCOUNTED = frozenset({"/metrics", "/health", "/ready"})


def count_from_zero(*, topics: Iterable[str] = (), tasks: Iterable[str] = ()) -> None:
    """Serve the counters of these topics and tasks at 0 before anything happened: a series
    that first appears at 1 shows alerts no `increase()`, so the first dead letter or task
    restart would go unnoticed."""
    for topic in topics:
        for counter in (EVENTS_HANDLED, EVENTS_FAILED, EVENTS_PARKED):
            counter.labels(topic)
    for task in tasks:
        TASK_RESTARTS.labels(task)


_dependency_states: dict[str, bool] = {}


def dependency_state(dependency: str, up: bool) -> None:
    """Note whether a dependency answered its last use or check (gauge and `/ready` details)."""
    _dependency_states[dependency] = up
    DEPENDENCY_UP.labels(dependency).set(1 if up else 0)


def dependencies() -> dict[str, bool]:
    """Each dependency noted in this process and whether it was up when last seen."""
    return dict(_dependency_states)


def share_between_workers(workers: int) -> None:
    """With several worker processes, give them one directory to write their metrics to.

    Must run before the workers start (they inherit the environment and read it when they
    import `prometheus_client`); an operator's own `PROMETHEUS_MULTIPROC_DIR` is kept.
    """
    if workers > 1 and MULTIPROC_DIR not in os.environ:
        os.environ[MULTIPROC_DIR] = tempfile.mkdtemp(prefix="vroeg-metrics-")


def worker_exited() -> None:
    """Drop this process's live gauges from the shared directory (multiprocess mode)."""
    if MULTIPROC_DIR in os.environ:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, of every worker, and their content type."""
    if MULTIPROC_DIR in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class HttpMetrics:
    """Counts and times every request by its route template (plain ASGI, no buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in _UNCOUNTED:
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = _template(scope)
            HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            HTTP_SECONDS.labels(scope["method"], route).observe(time.perf_counter() - started)


def _template(scope: Scope) -> str:
    # The routers write the matched route into the scope; a mounted app's route is relative
    # to its mount point, which its router put in `root_path`.
    route = scope.get("route")
    if not isinstance(route, BaseRoute) or not hasattr(route, "path"):
        return UNMATCHED_ROUTE
    return f"{scope.get('root_path', '')}{route.path}"
