"""The demo's traffic: post the batch, follow each signal through the platform and report where
it went and what its creditor hears; then staff work the queues, and the figures."""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from vroeg.deploy.demo_batch import (
    CREDITORS,
    DEBT_HELP_BSN,
    MUNICIPALITY,
    SECOND_TENANT,
    DemoSignal,
    demo_signals,
)
from vroeg.deploy.demo_feedback import (
    by_signal,
    enter_second_tenant,
    forwards,
    poll_all,
    print_creditors,
    register_webhook,
    webhook_deliveries,
)
from vroeg.deploy.demo_figures import cbs_export, monitor
from vroeg.deploy.demo_staff import (
    debt_help_queue,
    import_debt_help,
    review,
    what_accounts_see,
    work_a_case,
)
from vroeg.deploy.processes import Platform
from vroeg.deploy.provisioning import register_creditor
from vroeg.deploy.zipkin_server import trace_page
from vroeg.shared.clock import dutch_date
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import (
    CaseOpened,
    CaseState,
    CaseStatus,
    CaseUpdated,
    DebtHelpStanding,
    FirstContactDeadlineSet,
    Route,
    SignalRouted,
    now_utc,
)
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.settings import KafkaConnection
from vroeg.shared.topics import (
    CASE_OPENED,
    CASE_UPDATED,
    FIRST_CONTACT_DEADLINE_SET,
    ROUTE_TOPICS,
    SERVICES,
)

# How long the demo follows its signals through the platform, at most (a busy machine is slow).
FOLLOW_FOR_S = 120
# The creditor that takes its feedback by webhook; the others poll.
WEBHOOK_CREDITOR = "waternet"


async def post_and_report(
    platform: Platform, bootstrap: str, prefix: str, zipkin: str | None = None, *, keep: bool
) -> None:
    """Post the demo batch to intake, print where each signal went and what its creditor
    hears, let staff work the queues, and print the figures; with `zipkin`, the link to the
    trace of a signal that crossed all six services."""
    enter_second_tenant(platform)
    await import_debt_help(platform, DEBT_HELP_BSN)
    async with httpx.AsyncClient(base_url=platform["intake"].url) as http:
        keys = {vlp[0]: await register_creditor(http, *vlp) for vlp in CREDITORS}
    await register_webhook(platform, WEBHOOK_CREDITOR, keys[WEBHOOK_CREDITOR])
    print(
        f"Tenant registry: {MUNICIPALITY} and {SECOND_TENANT} served here (a regional centre). "
        f"{MUNICIPALITY}'s debt-help register imported (1 resident).\n"
        f"Registered {len(keys)} creditors with agreements for {MUNICIPALITY}; "
        f"{WEBHOOK_CREDITOR} takes its feedback by webhook too (Standard Webhooks), "
        "the others poll."
    )
    followed = await _post_and_follow(platform, bootstrap, prefix, keys)
    ids, routed = followed.ids, followed.routed
    labels = {s: item.label for s, item in ids.items()}
    expected = {
        s
        for s in ids
        if s in followed.refused
        or followed.repeats(s)
        or (
            s in routed
            and (
                routed[s].route in _FEEDBACK_ROUTES
                # R-BRP-4a: only while the resident receives debt help.
                or routed[s].debt_help is DebtHelpStanding.ACTIVE
            )
        )
    }
    polled = await poll_all(platform, keys, expected)
    forwarded = await forwards(platform)
    _print_report(followed, by_signal(polled), forwarded)

    print("\nStaff at work (the same API calls the web app's pages make, with their token):")
    await review(platform, labels)
    crisis = next(
        (
            c
            for s, c in followed.cases.items()
            if s in ids and c.state.crisis and c.state.status is CaseStatus.OPEN
        ),
        None,
    )
    if crisis is not None:
        first = next(str(f.signal_id) for f in crisis.state.signals if str(f.signal_id) in ids)
        await work_a_case(platform, str(crisis.case_id), labels[first])
    await debt_help_queue(platform, labels)

    told = {str(f.signal_id) for f in crisis.state.signals} if crisis else set()
    polled = await poll_all(platform, keys, expected | told)
    webhook = {f["id"] for f in polled[WEBHOOK_CREDITOR]}
    deliveries = await webhook_deliveries(platform, WEBHOOK_CREDITOR, webhook)
    print_creditors(polled, labels, (WEBHOOK_CREDITOR, deliveries))

    today = dutch_date(now_utc())
    period = today.strftime("%Y-%m")
    await monitor(platform, period, accepted=1 if crisis else 0)
    await cbs_export(platform, today.replace(day=1), today)
    await _operations(platform)
    deceased = [s for s, e in routed.items() if s in ids and e.route == Route.DECEASED]
    if zipkin and deceased:
        await _trace_link(zipkin, ids[deceased[0]], followed.traces[deceased[0]])
    await what_accounts_see(platform, period, keep=keep)


@dataclass
class Followed:
    """The demo's signals and what the platform made of them, as its events told."""

    ids: dict[str, DemoSignal]
    traces: dict[str, str]
    refused: dict[str, str]
    routed: dict[str, SignalRouted]
    cases: dict[str, CaseView]
    deadlines: dict[str, FirstContactDeadlineSet]

    def repeats(self, signal_id: str) -> bool:
        """Whether the signal repeats an earlier one in its case (R-IN-5)."""
        case = self.cases.get(signal_id)
        return case is not None and any(
            str(f.signal_id) == signal_id and f.repeat_of is not None for f in case.state.signals
        )

    def arrivals(self) -> list[SignalRouted]:
        """Signals another municipality forwarded here (its own, here a new id)."""
        return [e for e in self.routed.values() if e.signal.forwarded_by is not None]


async def _post_and_follow(
    platform: Platform, bootstrap: str, prefix: str, keys: dict[str, str]
) -> Followed:
    """Post the batch, then read the route, case and deadline topics until each signal has
    gone as far as it goes (at most `FOLLOW_FOR_S`)."""
    watched = [
        prefix + name
        for name in (
            *(t.name for t in ROUTE_TOPICS.values()),
            CASE_OPENED.name,
            CASE_UPDATED.name,
            FIRST_CONTACT_DEADLINE_SET.name,
        )
    ]
    # Signs in as the services do (KAFKA_SECURITY_PROTOCOL, … from the environment).
    connection = KafkaConnection(KAFKA_BOOTSTRAP_SERVERS=bootstrap)
    consumer = AIOKafkaConsumer(**kafka_client_options(connection), group_id=None)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(t, p) for t in watched for p in consumer.partitions_for_topic(t) or ()
        ]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)  # fix the starting point before anything is posted

        followed = Followed({}, {}, {}, {}, {}, {})
        batch = demo_signals(date.today(), run=str(int(time.time())))
        async with httpx.AsyncClient(base_url=platform["intake"].url) as http:
            for item in batch:
                # As a creditor's traced client would: intake continues the caller's trace.
                trace_id = secrets.token_hex(16)
                headers = {
                    "X-Api-Key": keys[item.vlp[0]],
                    "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
                }
                response = await http.post("/v1/signalen", json=item.body, headers=headers)
                response.raise_for_status()
                result = response.json()
                followed.ids[result["id"]] = item
                followed.traces[result["id"]] = trace_id
                if result["status"] == "NIET_OPGEPAKT":
                    followed.refused[result["id"]] = result["reason"]
        print(f"\nPosted {len(followed.ids)} signals to intake. Following them ...\n")
        await _follow(consumer, followed)
    finally:
        await consumer.stop()
    return followed


async def _follow(consumer: AIOKafkaConsumer, followed: Followed) -> None:
    ids, routed, cases, deadlines = (
        followed.ids,
        followed.routed,
        followed.cases,
        followed.deadlines,
    )
    deadline = time.monotonic() + FOLLOW_FOR_S
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        for records in (await consumer.getmany(timeout_ms=300)).values():
            for record in records:
                quiet_since = time.monotonic()
                event = decode(record.headers, record.value)
                if isinstance(event, SignalRouted):
                    routed[str(event.signal.signal_id)] = event
                elif isinstance(event, CaseOpened | CaseUpdated):
                    _follow_case(cases, event)
                elif isinstance(event, FirstContactDeadlineSet):
                    known = deadlines.get(str(event.case_id))
                    if known is None or event.due_date < known.due_date:
                        deadlines[str(event.case_id)] = event
        with_case = [s for s, e in routed.items() if e.route in _CASE_ROUTES]
        forwarded_here = [
            s
            for s, e in routed.items()
            if s in ids
            and e.route is Route.RELOCATED
            and e.registered_municipality == SECOND_TENANT
        ]
        if (
            set(ids) - set(followed.refused) <= set(routed)
            and all(s in cases for s in with_case)
            and all(str(c.case_id) in deadlines for c in cases.values())
            and len(followed.arrivals()) >= len(forwarded_here)
            # A case a crisis signal joined gets its tighter deadline a moment later.
            and time.monotonic() - quiet_since > 1.5
        ):
            break


async def _trace_link(zipkin: str, item: DemoSignal, trace_id: str) -> None:
    """Print the tracing dashboard's page of one signal's trace, once Zipkin has its spans
    from every service (each exports in batches, within seconds)."""
    services: set[str] = set()
    spans: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20
    async with httpx.AsyncClient() as http:
        while len(services) < len(SERVICES) and time.monotonic() < deadline:
            await asyncio.sleep(1)
            response = await http.get(f"{zipkin}/api/v2/trace/{trace_id}")
            spans = response.json() if response.status_code == 200 else []
            services = {s.get("localEndpoint", {}).get("serviceName", "") for s in spans}
    print(
        f"\nTracing dashboard (Zipkin): the trace of '{item.label}', {len(spans)} spans "
        f"from {len(services)} services:\n  {trace_page(zipkin, trace_id)}"
    )


async def _operations(platform: Platform) -> None:
    """What operations see of each service: its probes and a few of its Prometheus metrics."""
    print("\nOperations (GET /health, /ready, /metrics of each service):")
    async with httpx.AsyncClient() as http:
        for name in SERVICES:
            url = platform[name].url
            health = (await http.get(f"{url}/health")).status_code
            ready = (await http.get(f"{url}/ready")).status_code
            totals: dict[str, float] = {}
            for family in text_string_to_metric_families((await http.get(f"{url}/metrics")).text):
                for sample in family.samples:
                    totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
            print(
                f"  {name:<10} health {health}  ready {ready}"
                f"  events handled {totals.get('vroeg_events_handled_total', 0):>3.0f}"
                f"  parked {totals.get('vroeg_events_parked_total', 0):.0f}"
                f"  outbox sent {totals.get('vroeg_outbox_sent_total', 0):>3.0f}"
                f"  waiting {totals.get('vroeg_outbox_depth', 0):.0f}"
            )


_CASE_ROUTES = {"resident", "deceased", "minor"}
# Told as soon as the route is known; a move to a known municipality once forwarding knows
# whether the signal went; a resident hears only from the outcome (domain §8).
_FEEDBACK_ROUTES = {"deceased", "emigrated", "relocated"}


@dataclass
class CaseView:
    """A case as its latest event shows it, and which of its signals opened it."""

    case_id: UUID
    state: CaseState
    opened_by: set[str]


def _follow_case(cases: dict[str, CaseView], event: CaseOpened | CaseUpdated) -> None:
    """Keep each signal's case at its newest version."""
    opened_by = (
        {str(s.signal_id) for s in event.state.signals} if isinstance(event, CaseOpened) else set()
    )
    known = next((c for c in cases.values() if c.case_id == event.case_id), None)
    if known is not None:
        if known.state.version >= event.state.version:
            return
        opened_by = known.opened_by | opened_by
    view = CaseView(event.case_id, event.state, opened_by)
    for signal in event.state.signals:
        cases[str(signal.signal_id)] = view


def _print_report(
    followed: Followed, heard: dict[str, list[str]], forwarded: list[dict[str, Any]]
) -> None:
    """The table: each signal, its route, what its creditor heard so far, what happened."""
    print(f"{'signal':<44} {'route':<10} {'creditor hears':<34} what happened")
    print("-" * 150)
    for signal_id, item in followed.ids.items():
        hears = ", ".join(heard.get(signal_id, [])) or "-"
        if signal_id in followed.refused:
            reason = followed.refused[signal_id]
            print(f"{item.label:<44} {'-':<10} {hears:<34} not taken up by intake: {reason}")
            continue
        event = followed.routed.get(signal_id)
        if event is None:
            late = f"not routed within {FOLLOW_FOR_S} s (see the logs)"
            print(f"{item.label:<44} {'?':<10} {hears:<34} {late}")
            continue
        outcome = "; ".join(event.reasons)
        if signal_id in followed.cases:
            outcome = _case_line(followed, signal_id)
        elif event.route is Route.RELOCATED:
            outcome += _forward_line(followed, signal_id, forwarded)
        elif event.route is Route.DEBT_HELP:
            outcome += "; in the SHV professional's queue"
        print(f"{item.label:<44} {event.route.value:<10} {hears:<34} {outcome}")
    sys.stdout.flush()


def _case_line(followed: Followed, signal_id: str) -> str:
    case = followed.cases[signal_id]
    due = followed.deadlines.get(str(case.case_id))
    state = case.state
    flags = f" [{', '.join(state.flags)}]" if state.flags else ""
    crisis = " CRISIS" if state.crisis else ""
    how = "opened" if signal_id in case.opened_by else "joined"
    line = f"case {str(case.case_id)[:8]} {how}{crisis}{flags}" + (
        f", first contact by {due.due_date} ({due.working_days} working days)" if due else ""
    )
    if state.status is CaseStatus.CLOSED:
        line += "; closed: nobody else lives there (R-BRP-2)"
    fact = next(f for f in state.signals if str(f.signal_id) == signal_id)
    if fact.repeat_of is not None:
        line += f"; repeats {str(fact.repeat_of)[:8]}, no new offer"
    return line


def _forward_line(followed: Followed, signal_id: str, forwarded: list[dict[str, Any]]) -> str:
    """Whether the signal was forwarded, and what became of it there (staff see where; its
    creditor never does)."""
    row = next((f for f in forwarded if f["signalId"] == signal_id), None)
    if row is None:
        return "; not forwarded (destination unknown)"
    if row["status"] != "FORWARDED":
        return f"; not forwarded: {row['outcome'] or row['status']}"
    line = f"; forwarded to {row['destination']} (Awb 2:3), attempts {row['attempts']}"
    original = followed.ids[signal_id].body["vlpReference"]
    arrived = next((e for e in followed.arrivals() if e.signal.vlp_reference == original), None)
    if arrived is not None:
        line += f"; there routed {arrived.route.value}"
        if str(arrived.signal.signal_id) in followed.cases:
            case = followed.cases[str(arrived.signal.signal_id)]
            line += f", case {str(case.case_id)[:8]} opened"
    return line
