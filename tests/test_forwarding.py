"""Forwarding (Awb 2:3, R-BRP-1) through the running services: a signal whose debtor the BRP
registers in another municipality is posted without delay to that municipality's intake,
found in the tenant registry — also when it is another tenant of this deployment (a regional
centre) — retried until acknowledged, and the creditor hears NIET_WOONACHTIG with
`doorgestuurd`, never where. With no registry entry it is not forwarded, with the reason.

The BRP stand-in's Kees Bakker (born 1975-07-07) lives in Rotterdam (0599): the creditor
delivers his signal to Amsterdam (0363).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.forwarding import (
    ADMIN,
    FAST_RETRIES,
    PROCESSES,
    creditor_feedback,
    deliver,
    enter_rotterdam,
    feedback_knows,
    forwarded_rows,
    staff_forwards,
)
from tests.support.kafka import read_events
from tests.support.metrics import scrape, value
from tests.support.otlp import OtlpReceiver
from vroeg.deploy.processes import ServiceProcess, free_port
from vroeg.shared.events import ForwardingOutcome, Route, SignalForwarded, SignalRouted
from vroeg.shared.registry_keys import SETTING as REGISTRY_KEY_SETTING
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_FORWARDED


async def test_a_regional_centre_forwards_to_its_other_tenant_once_with_provenance(
    make_platform: PlatformFactory, isolation: Isolation
) -> None:
    platform = make_platform(FAST_RETRIES, served=("0363", "0599"))
    platform.start(PROCESSES)
    enter_rotterdam(platform, platform["intake"].url, served_here=True)
    # Saved again without its key (as the staff page does, which cannot show it): kept.
    resaved = httpx.put(
        f"{platform['intake'].url}/v1/beheer/gemeenten/0599",
        json={"servedHere": True, "intakeUrl": platform["intake"].url},
        headers=ADMIN,
    )
    assert resaved.json()["apiKeysFor"] == ["0363"]
    await feedback_knows(isolation, "0599")
    signal_id = deliver(platform, await creditor_key(platform["intake"].url))

    [arrived] = await eventually(lambda: forwarded_rows(isolation), bool)
    assert (arrived["municipality"], arrived["forwarded_by"]) == ("0599", "0363")
    assert (arrived["vlp_id"], arrived["vlp_reference"]) == ("woonstad", "WS-BAKKER-1")
    assert arrived["original_received_at"] is not None
    # Routed there: Rotterdam's BRP check finds its resident.
    resident = await read_events(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=1
    )
    assert [
        (e.municipality, e.signal.forwarded_by) for e in resident if isinstance(e, SignalRouted)
    ] == [("0599", "0363")]
    # The creditor hears NIET_WOONACHTIG, forwarded; nothing names Rotterdam.
    [told] = await eventually(lambda: creditor_feedback(isolation, signal_id), bool)
    assert (told["feedback_type"], told["doorgestuurd"]) == ("NIET_WOONACHTIG", True)
    assert "0599" not in {str(v) for v in dict(told).values()}
    [fact] = await read_events(isolation.kafka, isolation.topic(SIGNAL_FORWARDED.name), expect=1)
    assert isinstance(fact, SignalForwarded)
    assert (fact.outcome, fact.destination, fact.attempts) == (
        ForwardingOutcome.FORWARDED,
        "0599",
        1,
    )
    [seen] = staff_forwards(platform)
    assert (seen["status"], seen["outcome"], seen["destination"]) == (
        "FORWARDED",
        "FORWARDED",
        "0599",
    )
    # Acknowledged: feedback no longer keeps the signal's data.
    payloads = await fetch(isolation.database_url, "SELECT payload FROM feedback.forwards")
    assert [p["payload"] for p in payloads] == [None]
    # Once: still one there, whatever the worker does next.
    assert len(await forwarded_rows(isolation)) == 1


async def test_a_forwarded_signal_is_one_trace_in_both_municipalities(
    make_platform: PlatformFactory, isolation: Isolation, otlp: OtlpReceiver
) -> None:
    """The post to the receiving intake continues the signal's trace (kept with the forward),
    so the receiving deployment records it too: before, the post made a trace of its own
    that nothing recorded, and the receiving deployment followed that decision."""
    tracing = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    platform = make_platform({**FAST_RETRIES, **tracing}, served=("0363", "0599"))
    platform.start(PROCESSES)
    enter_rotterdam(platform, platform["intake"].url, served_here=True)
    await feedback_knows(isolation, "0599")
    deliver(platform, await creditor_key(platform["intake"].url))
    [arrived] = await eventually(lambda: forwarded_rows(isolation), bool)
    # Rotterdam's BRP check routes it (its resident).
    await read_events(isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=1)
    platform.stop()  # a graceful stop flushes every process's spans
    spans = otlp.snapshot()

    [delivered] = [s for s in spans if s.name == "POST /v1/signalen"]
    [forward] = [s for s in spans if s.name == "forward signal"]
    [received] = [s for s in spans if s.name == "POST /v1/doorgestuurde-signalen"]
    assert forward.trace_id == received.trace_id == delivered.trace_id
    # Checked in Amsterdam (relocated) and again in Rotterdam (resident), in that trace.
    checks = [
        s
        for s in spans
        if s.service == "vroeg-brp-check"
        and s.name.startswith("process")
        and s.trace_id == delivered.trace_id
    ]
    assert len(checks) == 2
    assert arrived["municipality"] == "0599"


async def test_a_receiving_intake_that_is_down_gets_the_forward_once_when_it_returns(
    make_platform: PlatformFactory, isolation: Isolation, tmp_path: Path
) -> None:
    platform = make_platform(FAST_RETRIES, served=("0363", "0599"))
    platform.start(PROCESSES)
    # Rotterdam's intake: another process, not yet running (down).
    port = free_port()
    receiving = ServiceProcess(
        "intake", port, dict(platform["intake"].env), tmp_path / "receiving-intake.log"
    )
    enter_rotterdam(platform, receiving.url, served_here=True, issuer=platform["intake"].url)
    await feedback_knows(isolation, "0599")
    signal_id = deliver(platform, await creditor_key(platform["intake"].url))

    waiting = await eventually(
        lambda: _async(staff_forwards, platform), lambda f: bool(f) and f[0]["attempts"] >= 2
    )
    assert waiting[0]["status"] == "WAITING"
    assert waiting[0]["lastError"] == "ConnectError"
    assert await forwarded_rows(isolation) == []
    assert await creditor_feedback(isolation, signal_id) == []

    receiving.start()
    try:
        receiving.wait_ready()
        await eventually(lambda: forwarded_rows(isolation), bool)
        [told] = await eventually(lambda: creditor_feedback(isolation, signal_id), bool)
        assert told["doorgestuurd"] is True
        decided = await eventually(
            lambda: _async(staff_forwards, platform), lambda f: f[0]["status"] == "FORWARDED"
        )
        assert decided[0]["attempts"] >= 3
        assert len(await forwarded_rows(isolation)) == 1
    finally:
        receiving.stop()


async def test_without_a_registry_entry_the_signal_is_not_forwarded_and_the_creditor_hears_so(
    make_platform: PlatformFactory, isolation: Isolation
) -> None:
    platform = make_platform(FAST_RETRIES, served=("0363",))
    platform.start(PROCESSES)
    signal_id = deliver(platform, await creditor_key(platform["intake"].url))

    [told] = await eventually(lambda: creditor_feedback(isolation, signal_id), bool)
    assert (told["feedback_type"], told["doorgestuurd"]) == ("NIET_WOONACHTIG", False)
    [seen] = staff_forwards(platform)
    assert (seen["status"], seen["outcome"], seen["destination"]) == (
        "NOT_FORWARDED",
        "NOT_IN_REGISTRY",
        "0599",
    )
    [fact] = await read_events(isolation.kafka, isolation.topic(SIGNAL_FORWARDED.name), expect=1)
    assert isinstance(fact, SignalForwarded)
    assert (fact.outcome, fact.attempts) == (ForwardingOutcome.NOT_IN_REGISTRY, 0)
    assert await forwarded_rows(isolation) == []
    # Staff ask only for their own municipalities'.
    other = httpx.get(
        f"{platform['feedback'].url}/v1/doorsturingen",
        params={"gemeente": "0518"},
        headers=staff_headers(platform, "vroegsignaleerder-0363"),
    )
    assert other.status_code == 403


async def test_a_key_feedback_cannot_open_makes_the_forward_wait_and_says_so_without_crashing(
    make_platform: PlatformFactory, isolation: Isolation
) -> None:
    platform = make_platform(FAST_RETRIES, served=("0363", "0599"))
    # feedback holds another key than the one intake seals with (a botched rotation).
    platform["feedback"].env[REGISTRY_KEY_SETTING] = Fernet.generate_key().decode()
    platform.start(PROCESSES)
    enter_rotterdam(platform, platform["intake"].url, served_here=True)
    await feedback_knows(isolation, "0599")
    signal_id = deliver(platform, await creditor_key(platform["intake"].url))

    waiting = await eventually(
        lambda: _async(staff_forwards, platform), lambda f: bool(f) and f[0]["attempts"] >= 2
    )
    # Not refused, not given up: it waits, and staff see why.
    assert (waiting[0]["status"], waiting[0]["lastError"]) == ("WAITING", "UnreadableKey")
    assert await forwarded_rows(isolation) == []
    assert await creditor_feedback(isolation, signal_id) == []
    # The attempts go up when a forward is claimed; this counter just after, as its key is
    # opened for the POST.
    samples = await eventually(
        lambda: scrape(platform["feedback"].url),
        lambda s: (value(s, "vroeg_registry_keys_unreadable_total") or 0) >= 2,
    )
    unreadable = value(samples, "vroeg_registry_keys_unreadable_total")
    assert unreadable is not None
    assert unreadable >= 2
    assert "cannot be opened with VROEG_REGISTRY_SECRET_KEY" in platform["feedback"].tail(50_000)
    assert httpx.get(f"{platform['feedback'].url}/ready").status_code == 200


async def _async(probe: Any, *args: Any) -> Any:
    return probe(*args)
