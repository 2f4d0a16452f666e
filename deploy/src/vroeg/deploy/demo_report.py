"""The demo's traffic: post the batch, follow each signal through the platform and report where
it went, then work the review queue."""

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

from vroeg.deploy.demo_batch import CREDITORS, MUNICIPALITY, DemoSignal, demo_signals
from vroeg.deploy.processes import WEB, Platform
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
from vroeg.standins.idp.app import DEMO_USERS


async def post_and_report(
    platform: Platform, bootstrap: str, prefix: str, zipkin: str | None = None
) -> None:
    """Post the demo batch to intake and print where each signal went; with `zipkin`, the
    link to the trace of a signal that crossed all six services."""
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

        batch = demo_signals(date.today(), run=str(int(time.time())))
        ids: dict[str, DemoSignal] = {}
        traces: dict[str, str] = {}
        refused: dict[str, str] = {}
        async with httpx.AsyncClient(base_url=platform["intake"].url) as http:
            keys = {vlp: await register_creditor(http, *vlp) for vlp in CREDITORS}
            print(f"Registered {len(keys)} creditors with agreements for {MUNICIPALITY}.")
            for item in batch:
                # As a creditor's traced client would: intake continues the caller's trace.
                trace_id = secrets.token_hex(16)
                headers = {
                    "X-Api-Key": keys[item.vlp],
                    "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
                }
                response = await http.post("/v1/signalen", json=item.body, headers=headers)
                response.raise_for_status()
                result = response.json()
                ids[result["id"]] = item
                traces[result["id"]] = trace_id
                if result["status"] == "NIET_OPGEPAKT":
                    refused[result["id"]] = result["reason"]
        print(f"\nPosted {len(ids)} signals to intake. Following them ...\n")

        routed: dict[str, SignalRouted] = {}
        cases: dict[str, CaseView] = {}
        deadlines: dict[str, FirstContactDeadlineSet] = {}
        deadline = time.monotonic() + 60
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
            with_case = [s for s, e in routed.items() if s in ids and e.route in _CASE_ROUTES]
            if (
                len(set(routed) & set(ids)) == len(ids)
                and all(s in cases for s in with_case)
                and all(str(c.case_id) in deadlines for c in cases.values())
                # A case a crisis signal joined gets its tighter deadline a moment later.
                and time.monotonic() - quiet_since > 1.5
            ):
                break
    finally:
        await consumer.stop()
    heard = await _feedback(platform, ids, routed, refused)
    _print_report(ids, routed, cases, deadlines, heard, refused)
    async with httpx.AsyncClient(
        base_url=platform["reporting"].url, headers=await _signed_in(platform, "analyst-0363")
    ) as http:
        period = dutch_date(now_utc()).strftime("%Y-%m")
        counts = _ok(
            await http.get(
                "/v1/indicatorwaarden", params={"periode": period, "gemeente": MUNICIPALITY}
            )
        )
    print(f"\nreporting, municipality {MUNICIPALITY}, {period}:")
    for value in counts["waarden"]:
        if value["gemeente"] == MUNICIPALITY and value["waarde"] is not None:
            key = f" [{value['uitsplitsing']}]" if value["uitsplitsing"] else ""
            print(f"  {value['indicator']}{key}: {value['waarde']}")
    await _review(platform)
    await _operations(platform)
    deceased = [s for s, e in routed.items() if s in ids and e.route == Route.DECEASED]
    if zipkin and deceased:
        await _trace_link(zipkin, ids[deceased[0]], traces[deceased[0]])
    _staff_pages(platform)


def _staff_pages(platform: Platform) -> None:
    """Where staff sign in, and with which demo accounts (password = account name)."""
    print(f"\nStaff web app: {platform[WEB].url}/ — sign in with a demo account (password = name):")
    for user in DEMO_USERS:
        roles = ", ".join(user.roles)
        print(f"  {user.username:<24} {roles:<18} {', '.join(user.gemeenten)}")


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


def _ok(response: httpx.Response) -> Any:
    response.raise_for_status()
    return response.json()


async def _signed_in(platform: Platform, account: str) -> dict[str, str]:
    """Headers with a token of a demo account of the identity-provider stand-in."""
    async with httpx.AsyncClient(base_url=platform["idp-standin"].url) as idp:
        grant = {"grant_type": "password", "username": account, "password": account}
        token = _ok(await idp.post("/token", data=grant))["access_token"]
    return {"Authorization": f"Bearer {token}"}


REVIEWER = "reviewer-0363"


async def _review(platform: Platform) -> None:
    """A reviewer works the review queue: a candidate the BRP found at the signal's address is
    picked; otherwise the signal's own data is confirmed."""
    async with httpx.AsyncClient(
        base_url=f"{platform['brp-check'].url}/v1", headers=await _signed_in(platform, REVIEWER)
    ) as http:
        queue = _ok(await http.get("/uitval"))
        print(
            f"\nReview queue (uitval) of {MUNICIPALITY}, signed in as {REVIEWER}: "
            f"{queue['total']} open"
        )
        for item in queue["items"]:
            opened = _ok(await http.get(f"/uitval/{item['signalId']}"))
            debtor = opened["signal"]["debtor"] or {}
            at_address = [c for c in opened["candidates"] if "address" in c["foundBy"]]
            choice: dict[str, Any] = (
                {
                    "choice": "candidate",
                    "bsn": at_address[0]["bsn"],
                    "explanation": "Registered at the address the creditor gave.",
                }
                if at_address
                else {"choice": "signal-data", "explanation": "New resident, not yet in the BRP."}
            )
            decided = _ok(await http.post(f"/uitval/{item['signalId']}/besluit", json=choice))
            print(
                f"  {debtor.get('geslachtsnaam', '?'):<10} {'; '.join(item['reasons']):<36} "
                f"{len(opened['candidates'])} candidate(s) -> {choice['choice']}: "
                f"route {decided['route']}"
            )


_CASE_ROUTES = {"resident", "deceased", "minor"}
# A move to a known municipality is told by forwarding, once it knows whether the signal went;
# a resident hears only from the outcome.
_FEEDBACK_ROUTES = {"deceased", "emigrated"}


async def _feedback(
    platform: Platform,
    ids: dict[str, DemoSignal],
    routed: dict[str, SignalRouted],
    refused: dict[str, str],
) -> dict[str, list[str]]:
    """What feedback holds for each creditor, waiting briefly for the routes that earn some."""
    expected = {
        s
        for s in ids
        if s in routed
        and (
            routed[s].route in _FEEDBACK_ROUTES
            # R-BRP-4a: only while the resident receives debt help.
            or routed[s].debt_help is DebtHelpStanding.ACTIVE
        )
    }
    expected |= set(refused)
    heard: dict[str, list[str]] = {}
    async with httpx.AsyncClient(
        base_url=platform["feedback"].url,
        headers=await _signed_in(platform, "vroegsignaleerder-0363"),
    ) as http:
        deadline = time.monotonic() + 15
        while True:
            for signal_id in ids:
                found = _ok(await http.get(f"/v1/signalen/{signal_id}/terugkoppelingen"))
                heard[signal_id] = [f["feedbackType"] for f in found]
            if all(heard[s] for s in expected) or time.monotonic() > deadline:
                return heard
            await asyncio.sleep(0.3)


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
    ids: dict[str, DemoSignal],
    routed: dict[str, SignalRouted],
    cases: dict[str, CaseView],
    deadlines: dict[str, FirstContactDeadlineSet],
    heard: dict[str, list[str]],
    refused: dict[str, str],
) -> None:
    print(f"{'signal':<44} {'route':<10} {'creditor hears':<16} outcome")
    print("-" * 130)
    for signal_id, item in ids.items():
        if signal_id in refused:
            hears = ", ".join(heard.get(signal_id, [])) or "-"
            print(f"{item.label:<44} {'-':<10} {hears:<16} not taken up: {refused[signal_id]}")
            continue
        event = routed.get(signal_id)
        if event is None:
            print(f"{item.label:<44} {'?':<10} {'':<16} not routed within 60 s (see the logs)")
            continue
        outcome = "; ".join(event.reasons)
        case = cases.get(signal_id)
        if case is not None:
            due = deadlines.get(str(case.case_id))
            state = case.state
            flags = f" [{', '.join(state.flags)}]" if state.flags else ""
            crisis = " CRISIS" if state.crisis else ""
            how = "opened" if signal_id in case.opened_by else "joined"
            outcome = f"case {str(case.case_id)[:8]} {how}{crisis}{flags}" + (
                f", first contact by {due.due_date} ({due.working_days} working days)"
                if due
                else ""
            )
            if state.status is CaseStatus.CLOSED:
                outcome += "; closed: nobody else lives there (R-BRP-2)"
            fact = next(f for f in state.signals if str(f.signal_id) == signal_id)
            if fact.repeat_of is not None:
                outcome += f"; repeats {str(fact.repeat_of)[:8]}, no new offer"
        hears = ", ".join(heard.get(signal_id, [])) or "-"
        print(f"{item.label:<44} {event.route.value:<10} {hears:<16} {outcome}")
    sys.stdout.flush()
