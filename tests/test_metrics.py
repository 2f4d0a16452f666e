"""Every service serves Prometheus metrics at /metrics, correct with several workers too."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import httpx

from tests.support.db import eventually
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from tests.support.kafka import produce
from tests.support.metrics import scrape, value
from tests.support.otlp import OtlpReceiver
from tests.support.signals import jansen_body, routed_signal
from vroeg.shared.cloudevents import encode
from vroeg.shared.events import Route
from vroeg.shared.topics import ROUTE_TOPICS, TOPICS


async def test_http_requests_are_counted_by_route_template_across_two_workers(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    receiver = OtlpReceiver()
    receiver.start()
    try:
        intake = make_platform(
            {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        )["intake"]
        intake.start({"VROEG_WORKERS": "2"})
        intake.wait_ready()
        key = await creditor_key(intake.url)
        async with httpx.AsyncClient(base_url=intake.url, headers={"X-Api-Key": key}) as http:
            ids = [
                (await http.post("/v1/signalen", json=jansen_body(f"m-{n}"))).json()["id"]
                for n in range(5)
            ]
            assert (await http.post("/v1/signalen", json={"nonsense": 1})).status_code == 400
            for signal_id in ids[:3]:
                assert (await http.get(f"/v1/signalen/{signal_id}")).status_code == 200
            assert (await http.get(f"/v1/signalen/{uuid4()}")).status_code == 404

        # Whichever worker answers a scrape reports the requests both workers answered.
        for _ in range(6):
            samples = await scrape(intake.url)
            count = "vroeg_http_requests_total"
            assert value(samples, count, method="POST", route="/v1/signalen", status="201") == 5
            assert value(samples, count, method="POST", route="/v1/signalen", status="400") == 1
            get = {"method": "GET", "route": "/v1/signalen/{signal_id}"}
            assert value(samples, count, **get, status="200") == 3
            assert value(samples, count, **get, status="404") == 1
            assert not [k for k in samples if k[0] == count and "/metrics" in dict(k[1])["route"]]
        samples = await eventually(
            lambda: scrape(intake.url),
            # the counter goes up just after the rows sent are deleted
            lambda s: (
                value(s, "vroeg_outbox_depth") == 0 and value(s, "vroeg_outbox_sent_total") == 13
            ),
        )
        assert value(samples, "vroeg_outbox_oldest_age_seconds") == 0
        # the 5 signals, each with its lean fact (SignalFact), the creditor's key, its agreement
        # (AgreementChanged) and the tenant entered for it (TenantChanged)
        assert value(samples, "vroeg_outbox_sent_total") == 13
        assert value(samples, "vroeg_dependency_up", dependency="database") == 1
        assert value(samples, "vroeg_task_up", task="outbox-relay") == 1

        openapi = httpx.get(f"{intake.url}/v1/openapi.json").json()
        assert not [path for path in openapi["paths"] if "metrics" in path]
        await asyncio.sleep(1)  # the exporters' schedule
        assert not [s for s in receiver.snapshot() if not s.parent_span_id and "metrics" in s.name]
        assert not [s for s in receiver.snapshot() if s.attributes.get("url.path") == "/metrics"]
    finally:
        receiver.stop()


async def test_events_handled_failed_parked_and_lag_per_topic(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    matcher = make_platform()["matcher"]
    matcher.start()
    matcher.wait_ready()
    matcher.stop()
    topic = isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name)
    first = routed_signal()
    poisoned = first.model_copy(update={"id": uuid4()})  # its insert conflicts every time
    behind = routed_signal()
    # Waiting on one partition when the matcher starts, so they are polled and handled
    # together: the batch fails at the poisoned one and is redone, which counts nothing twice.
    await produce(
        isolation.kafka,
        [encode(e, topic=topic, source="/tests", trace={}) for e in (first, poisoned, behind)],
        partition=0,
    )
    matcher.start()
    matcher.wait_ready()

    samples = await eventually(
        lambda: scrape(matcher.url),
        lambda s: (
            value(s, "vroeg_events_parked_total", topic=topic) == 1
            and value(s, "vroeg_events_handled_total", topic=topic) == 2
            and sum(v for (n, _), v in s.items() if n == "vroeg_consumer_lag") == 0
            and any(n == "vroeg_consumer_lag" for n, _ in s)
        ),
    )
    assert value(samples, "vroeg_events_handled_total", topic=topic) == 2
    assert (
        value(samples, "vroeg_events_failed_total", topic=topic) == 3
    )  # VROEG_CONSUMER_MAX_ATTEMPTS
    assert value(samples, "vroeg_events_parked_total", topic=topic) == 1
    assert value(samples, "vroeg_handler_duration_seconds_count", topic=topic) == 5
    lags = {
        dict(labels)["partition"]: v
        for (n, labels), v in samples.items()
        if n == "vroeg_consumer_lag"
    }
    assert set(lags) == {"0", "1", "2"}
    assert set(lags.values()) == {0}
    assert value(samples, "vroeg_task_up", task="consumer") == 1


async def test_event_and_restart_counters_are_served_at_zero_before_anything_happened(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    # An alert's `increase()` sees nothing of a series that first appears at 1: the first
    # dead letter or task restart would go unnoticed.
    matcher = make_platform()["matcher"]
    matcher.start()
    matcher.wait_ready()
    samples = await scrape(matcher.url)
    read = [isolation.topic(t.name) for t in TOPICS if "matcher" in t.consumers]
    assert read
    for name in ("handled", "failed", "parked"):
        counted = {
            topic: value(samples, f"vroeg_events_{name}_total", topic=topic) for topic in read
        }
        assert counted == dict.fromkeys(read, 0.0)
    assert value(samples, "vroeg_task_restarts_total", task="consumer") == 0.0


async def test_a_service_collects_young_garbage_in_large_steps(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    # Its process freezes what building the app left and lets 10,000 objects accumulate before
    # a young collection (vroeg.shared.gc_tuning): a few hundred events make a few dozen
    # passes at most, where the interpreter's defaults make hundreds (274 when tried).
    matcher = make_platform()["matcher"]
    matcher.start()
    matcher.wait_ready()
    topic = isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name)
    young = "python_gc_collections_total"
    before = value(await scrape(matcher.url), young, generation="0")
    assert before is not None
    events = [routed_signal(address_key=f"0363010000{n:06d}") for n in range(400)]
    await produce(
        isolation.kafka,
        [encode(e, topic=topic, source="/tests", trace={}) for e in events],
        together=True,
    )
    samples = await eventually(
        lambda: scrape(matcher.url),
        lambda s: value(s, "vroeg_events_handled_total", topic=topic) == len(events),
    )
    after = value(samples, young, generation="0")
    assert after is not None
    assert after - before <= 40  # 11 when tried
