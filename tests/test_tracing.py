"""Traces as a collector receives them (issue 8, item 9): one signal, one trace, also in batches;
a reviewer's decision continues the signal's trace; background work makes no root traces."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from uuid import uuid4

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.kafka import headers_of, read_topic
from tests.support.otlp import OtlpReceiver
from vroeg.deploy.demo import signal_body
from vroeg.shared.events import Route
from vroeg.shared.topics import ROUTE_TOPICS

TODAY = date(2026, 11, 27)
SERVER, PRODUCER = 2, 4  # OTLP span kinds
OTEL = {"OTEL_BSP_SCHEDULE_DELAY": "100"}
POST = "POST /v1/signalen"
LARGE = 10_000


def _body(reference: str, name: str) -> dict[str, object]:
    return signal_body(
        reference=reference,
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        geslachtsnaam=name,
        geboortedatum=date(1980, 5, 1),
        postcode="1012AB",
        huisnummer=1,
        today=TODAY,
    )


async def _checked(iso: Isolation) -> int:
    rows = await fetch(iso.database_url, "SELECT count(*) AS n FROM brp_check.checks")
    return int(rows[0]["n"])


async def test_each_signal_of_a_batch_is_its_own_trace_and_a_decision_continues_it(
    isolation: Isolation, make_platform: PlatformFactory, otlp: OtlpReceiver
) -> None:
    platform = make_platform({"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, **OTEL})
    platform.start(["brp-standin", "idp-standin", "intake", "brp-check"])
    intake, check = platform["intake"], platform["brp-check"]
    key = await creditor_key(intake.url)
    # Piet Jansen is found (resident); nobody is named Onbekend, so that one waits for review.
    batch = [_body(f"trace-{n}", "Jansen") for n in range(11)] + [_body("trace-r", "Onbekend")]
    async with httpx.AsyncClient(base_url=intake.url, headers={"X-Api-Key": key}) as http:
        response = await http.post("/v1/signalen/batches", json={"signalen": batch})
    assert response.status_code == 201, response.text
    assert response.json()["ontvangen"] == len(batch)
    assert await eventually(lambda: _checked(isolation), lambda n: n == len(batch)) == len(batch)

    reviewer = staff_headers(platform, "reviewer-0363")
    async with httpx.AsyncClient(base_url=f"{check.url}/v1", headers=reviewer) as http:
        items = (await http.get("/uitval")).json()["items"]
        assert len(items) == 1
        signal_id = items[0]["signalId"]
        decided = await http.post(
            f"/uitval/{signal_id}/besluit",
            json={"choice": "signal-data", "explanation": "the creditor's data is right"},
        )
        assert decided.status_code == 200, decided.text
    routed = await read_topic(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=len(batch)
    )
    for _ in range(5):  # readiness probes, while the relay polls
        assert (await asyncio.to_thread(httpx.get, f"{intake.url}/ready")).status_code == 200
        await asyncio.sleep(0.3)
    platform.stop()  # a graceful stop flushes every process's spans
    spans = otlp.snapshot()

    # The batch request is one trace; each signal starts its own, linked to the request.
    (request,) = [s for s in spans if s.name == "POST /v1/signalen/batches"]
    # Each signal's lean fact for the monitor is created in that signal's trace, under it.
    every_create = [s for s in spans if s.attributes.get("messaging.operation.type") == "create"]
    creates = [s for s in every_create if s.parent_span_id == ""]
    assert len(creates) == len(batch)
    assert all(s.kind == PRODUCER for s in creates)
    assert {s.trace_id for s in every_create} == {s.trace_id for s in creates}
    batch_spans = {(s.trace_id, s.span_id) for s in spans if s.trace_id == request.trace_id}
    assert all(len(s.links) == 1 and s.links[0] in batch_spans for s in creates)
    signal_traces = {s.trace_id for s in creates}
    assert len(signal_traces) == len(batch)
    # brp-check handles each signal in that signal's trace, never in the batch's.
    processed = [
        s for s in spans if s.service == "vroeg-brp-check" and s.name.startswith("process")
    ]
    assert len(processed) == len(batch)
    assert {s.trace_id for s in processed} == signal_traces

    # The decision continues the reviewed signal's trace, linked to the reviewer's request.
    (decision,) = [s for s in spans if s.name == "review decision"]
    (besluit,) = [s for s in spans if s.kind == SERVER and s.name.endswith("/besluit")]
    checked = [s for s in processed if s.trace_id == decision.trace_id]
    assert len(checked) == 1  # the decision is in the trace of a signal's check …
    assert decision.parent_span_id == checked[0].span_id  # … and continues that check
    request_spans = {(s.trace_id, s.span_id) for s in spans if s.trace_id == besluit.trace_id}
    assert len(decision.links) == 1
    assert decision.links[0] in request_spans
    assert besluit.trace_id != decision.trace_id
    traceparents = [headers_of(r).get("traceparent", "") for r in routed]
    decided_record = next(r for r in routed if signal_id.encode() in r.value)
    assert headers_of(decided_record)["traceparent"].split("-")[1] == decision.trace_id
    assert len({tp.split("-")[1] for tp in traceparents}) == len(batch)

    # Relay polls, housekeeping and readiness probes start no traces: every root is a request
    # or a signal.
    roots = [s for s in spans if s.parent_span_id == ""]
    strays = [s for s in roots if s.kind != SERVER and s.name.split()[0] != "create"]
    assert not strays, [(s.service, s.name) for s in strays]


async def test_a_creditor_s_trace_is_continued_but_its_sampled_flag_does_not_decide(
    isolation: Isolation, make_platform: PlatformFactory, otlp: OtlpReceiver
) -> None:
    """A creditor whose client sends its trace unsampled (flags 00): the signal is recorded,
    in its trace, in intake and brp-check — every trace is, by default. Before, intake
    followed the caller's flag and nothing of the signal was recorded anywhere."""
    platform = make_platform({"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, **OTEL})
    platform.start(["brp-standin", "intake", "brp-check"])
    intake = platform["intake"]
    key = await creditor_key(intake.url)
    trace_id = uuid4().hex
    headers = {"X-Api-Key": key, "traceparent": f"00-{trace_id}-{uuid4().hex[:16]}-00"}
    async with httpx.AsyncClient(base_url=intake.url, headers=headers) as http:
        response = await http.post("/v1/signalen", json=_body("unsampled-caller", "Jansen"))
    assert response.status_code == 201, response.text
    assert await eventually(lambda: _checked(isolation), lambda n: n == 1) == 1
    platform.stop()
    spans = otlp.snapshot()
    [post] = [s for s in spans if s.name == POST]
    assert post.trace_id == trace_id
    checked = [s for s in spans if s.service == "vroeg-brp-check" and s.name.startswith("process")]
    assert {s.trace_id for s in checked} == {trace_id}


async def test_with_two_workers_both_log_as_json_and_export_spans_one_trace_per_signal(
    isolation: Isolation, make_platform: PlatformFactory, otlp: OtlpReceiver
) -> None:
    platform = make_platform({"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, **OTEL})
    intake = platform["intake"]
    intake.env["VROEG_WORKERS"] = "2"
    platform.start(["brp-standin", "intake", "brp-check"])
    key = await creditor_key(intake.url)

    async def deliver(n: int) -> str:
        # A connection of its own per request, so the kernel spreads them over the workers.
        async with httpx.AsyncClient(base_url=intake.url, headers={"X-Api-Key": key}) as http:
            response = await http.post("/v1/signalen", json=_body(f"worker-{n}", "Jansen"))
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def serving() -> set[str]:
        """The pids of the workers whose spans of deliveries have arrived."""
        return {s.resource["process.pid"] for s in otlp.snapshot() if s.name == POST}

    # Ready means one worker answers; on a busy machine the other may still be starting.
    await eventually(lambda: asyncio.to_thread(_started, intake.log_path), lambda n: n == 2, 180)
    signals = 0
    while len(serving()) < 2 and signals < 160:
        # Side by side, so that both workers take some.
        await asyncio.gather(*(deliver(n) for n in range(signals, signals + 8)))
        signals += 8
        await asyncio.sleep(0.5)  # spans are exported every 100 ms
    assert await eventually(lambda: _checked(isolation), lambda n: n == signals) == signals
    platform.stop()
    spans = otlp.snapshot()

    posts = [s for s in spans if s.name == POST]
    assert len(posts) == signals
    assert len({s.resource["process.pid"] for s in posts}) == 2  # both workers export
    # No traceparent came in: each delivery starts one trace, which brp-check continues.
    processed = [
        s for s in spans if s.service == "vroeg-brp-check" and s.name.startswith("process")
    ]
    assert len({s.trace_id for s in posts}) == signals
    assert {s.trace_id for s in processed} == {s.trace_id for s in posts}

    lines = intake.log_path.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line JSON, the workers' included
    started = [e for e in entries if e["message"] == "service started"]
    assert len({e["pid"] for e in started}) == 2


def _started(log: Path) -> int:
    """How many processes logged (as JSON) that their service started."""
    return log.read_text().count('"message": "service started"')


async def test_a_large_batch_exports_every_signals_span(
    isolation: Isolation, make_platform: PlatformFactory, otlp: OtlpReceiver
) -> None:
    platform = make_platform({"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, **OTEL})
    platform.start(["intake"])
    intake = platform["intake"]
    key = await creditor_key(intake.url)
    batch = [_body(f"large-{n}", "Jansen") for n in range(LARGE)]
    async with httpx.AsyncClient(
        base_url=intake.url, headers={"X-Api-Key": key}, timeout=120
    ) as http:
        response = await http.post("/v1/signalen/batches", json={"signalen": batch})
    assert response.status_code == 201, response.text
    platform.stop()
    creates = [
        s
        for s in otlp.snapshot()
        if s.attributes.get("messaging.operation.type") == "create" and s.parent_span_id == ""
    ]
    # More than the span processor's default queue (2,048) at once: none is dropped.
    assert len(creates) == LARGE


async def test_a_share_of_the_signals_is_traced_whole_and_every_signal_is_handled(
    isolation: Isolation, make_platform: PlatformFactory, otlp: OtlpReceiver
) -> None:
    """`OTEL_TRACES_SAMPLER=parentbased_traceidratio`: each signal's trace is recorded in
    every service or in none, as its root decided; the others still carry their trace ids."""
    sampled = {
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.5",
    }
    platform = make_platform({"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, **OTEL, **sampled})
    platform.start(["brp-standin", "intake", "brp-check"])
    key = await creditor_key(platform["intake"].url)
    batch = [_body(f"share-{n}", "Jansen") for n in range(40)]
    async with httpx.AsyncClient(
        base_url=platform["intake"].url, headers={"X-Api-Key": key}
    ) as http:
        response = await http.post("/v1/signalen/batches", json={"signalen": batch})
    assert response.status_code == 201, response.text
    routed = await read_topic(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=len(batch)
    )
    assert len(routed) == len(batch)
    platform.stop()
    spans = otlp.snapshot()

    creates = {
        s.trace_id
        for s in spans
        if s.attributes.get("messaging.operation.type") == "create" and s.parent_span_id == ""
    }
    # Half of 40 by trace id: none or all of them once in 2**39 runs.
    assert 0 < len(creates) < len(batch)
    processed = {
        s.trace_id for s in spans if s.service == "vroeg-brp-check" and s.name.startswith("process")
    }
    assert processed == creates
    # The BRP is asked for a fetch's signals at once: in a recorded signal's trace whenever the
    # fetch has one, linked to the others'. A signal fetched alone is asked about in its own
    # processing: the BRP's requests (brp-check's only POSTs) are in its trace.
    looked_up = set()
    for span in spans:
        if span.service == "vroeg-brp-check" and span.name.startswith("look up"):
            looked_up |= {span.trace_id} | {trace_id for trace_id, _ in span.links}
    asked_alone = {s.trace_id for s in spans if s.service == "vroeg-brp-check" and s.name == "POST"}
    assert creates <= looked_up | asked_alone
    # Every routed signal keeps its own trace, recorded (the flags' sampled bit) or not.
    parents = [headers_of(r)["traceparent"].split("-") for r in routed]
    assert len({trace_id for _, trace_id, _, _ in parents}) == len(batch)
    recorded = {trace_id for _, trace_id, _, flags in parents if int(flags, 16) & 1}
    assert recorded == creates
