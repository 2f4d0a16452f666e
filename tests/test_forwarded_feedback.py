"""The feedback on forwarded signals, relayed by the forwarder (Awb 2:3; contracts.md), against
a receiving deployment the test plays itself (`FakeReceiver`) to say what a real one never
would: what it says outside the closed set, or on a signal never forwarded there, reaches no
creditor (R-FB, §6); the relay stops asking about a forward once its feedback is final or the
retention period erased it (R-MAT-5); two replicas relay each item once.

The BRP stand-in's Kees Bakker lives in Rotterdam (0599); the creditor delivers his signal to
Amsterdam (0363), which forwards it to the fake Rotterdam.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from tests.support.db import eventually, execute, fetch
from tests.support.feedback import said
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from tests.support.forwarding import (
    FAST_RETRIES,
    PROCESSES,
    FakeReceiver,
    creditor_feedback,
    deliver,
    enter_rotterdam,
    feedback_knows,
    item,
    staff_forwards,
)
from tests.support.metrics import scrape, value
from tests.support.otlp import OtlpReceiver
from tests.support.webhooks import Creditor
from tests.test_retention import erased_counts
from vroeg.deploy.processes import WEBHOOK_STANDIN, Platform, ServiceProcess, free_port
from vroeg.shared.topics import SIGNAL_FORWARDED

# The relay asks the receiving deployment often in these tests (production: every minute).
FAST_RELAY = {**FAST_RETRIES, "VROEG_FORWARDED_FEEDBACK_INTERVAL_S": "0.2"}
PAUSE_END = (date.today() + timedelta(days=30)).isoformat()
REFUSED = "vroeg_forwarded_feedback_refused_total"
# How long a feed the relay no longer asks stays unread in these tests: many passes.
QUIET_S = 5
# What a receiving deployment knows and a creditor may never hear (§6, Awb 2:3).
# The whole postcode: its four digits alone turn up by chance in a log (microseconds, ports,
# trace ids) — and in a page's ids and times, which `said` leaves out.
SECRETS = ("0599", "Rotterdam", "Coolsingel", "3011AD", "zus", "VERHUISD")


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    fake = FakeReceiver()
    fake.start()
    yield fake
    fake.stop()


async def forwarded_to(
    make_platform: PlatformFactory, isolation: Isolation, receiver: FakeReceiver, **env: str
) -> tuple[Platform, str, str, str]:
    """Amsterdam's platform, 0599 entered as served by `receiver`, and Bakker's signal
    forwarded there: the platform, the creditor's key, its signal id, the id there."""
    platform = make_platform({**FAST_RELAY, **env}, served=("0363",))
    platform.start(PROCESSES)
    enter_rotterdam(
        platform, receiver.url, served_here=False, feedback_url=receiver.url, key=receiver.key
    )
    await feedback_knows(isolation, "0599")
    key = await creditor_key(platform["intake"].url)
    signal_id = deliver(platform, key)
    [told] = await eventually(lambda: creditor_feedback(isolation, signal_id), bool)
    assert (told["feedback_type"], told["doorgestuurd"]) == ("NIET_WOONACHTIG", True)
    [remote] = receiver.ids
    return platform, key, signal_id, remote


def creditor_polls(platform: Platform, key: str) -> httpx.Response:
    response = httpx.get(
        f"{platform['feedback'].url}/v1/terugkoppelingen", headers={"X-Api-Key": key}
    )
    assert response.status_code == 200, response.text
    return response


async def hears(platform: Platform, key: str, feedback_type: str) -> httpx.Response:
    return await eventually(
        lambda: asyncio.to_thread(creditor_polls, platform, key),
        lambda response: feedback_type in response.text,
    )


async def test_a_receiving_deployment_that_says_too_much_tells_the_creditor_nothing_of_it(
    make_platform: PlatformFactory, isolation: Isolation, receiver: FakeReceiver
) -> None:
    """Items outside the closed set, or on a signal never forwarded there, are refused —
    logged and counted without what they held — and the relay goes on with the next; the
    creditor hears only its own type and detail, on its own signal and reference."""
    platform, key, signal_id, remote = await forwarded_to(make_platform, isolation, receiver)
    address = {"straat": "Coolsingel", "huisnummer": 40, "postcode": "3011AD"}
    receiver.add(
        item(remote, "VERHUISD"),
        item(remote, "HULP_GEACCEPTEERD", collectionPausedUntil=PAUSE_END, address=address),
        item(remote, "BEKEND_BIJ_SHV", municipality="0599"),
        item(remote, "NIET_OPGEPAKT", reason="VERHUISD_NAAR_ROTTERDAM"),
        item(remote, "WIL_GEEN_HULP", note="belde zelf, woont nu bij haar zus"),
        item(remote, "OVERLEDEN", doorgestuurd=True),
        {"signal_id": remote, "feedback_type": "OVERLEDEN"},
        "Coolsingel 40, 3011AD Rotterdam",
        # A signal 0363 never forwarded there.
        item(str(uuid4()), "OVERLEDEN"),
        # About the forward itself: never told, and not refused either.
        item(remote, "NIET_WOONACHTIG", doorgestuurd=False),
        # What it may say, under a reference of its own: the creditor hears it under its own.
        item(remote, "BEKEND_BIJ_SHV", vlpReference="Coolsingel 40"),
    )

    heard = await hears(platform, key, "BEKEND_BIJ_SHV")
    items = heard.json()["items"]
    assert sorted((i["feedbackType"], i["signalId"]) for i in items) == [
        ("BEKEND_BIJ_SHV", signal_id),
        ("NIET_WOONACHTIG", signal_id),
    ]
    assert {i["vlpReference"] for i in items} == {"WS-BAKKER-1"}
    assert not [secret for secret in SECRETS if secret in said(heard.content)]
    samples = await scrape(platform["feedback"].url)
    assert value(samples, REFUSED, reason="outside_closed_set") == 8
    assert value(samples, REFUSED, reason="not_ours") == 1
    log = platform["feedback"].log_path.read_bytes()
    assert log.count(b"feedback from a receiving deployment refused") == 9
    assert not [secret for secret in SECRETS[1:] if secret.encode() in log]

    # Help accepted there: final. The creditor hears it, and the relay stops asking.
    receiver.add(item(remote, "HULP_GEACCEPTEERD", collectionPausedUntil=PAUSE_END))
    heard = await hears(platform, key, "HULP_GEACCEPTEERD")
    [helped] = [i for i in heard.json()["items"] if i["feedbackType"] == "HULP_GEACCEPTEERD"]
    assert (helped["signalId"], helped["collectionPausedUntil"]) == (signal_id, PAUSE_END)
    reads = receiver.read_count()
    receiver.add(item(remote, "WIL_GEEN_HULP"))
    await asyncio.sleep(QUIET_S)
    assert receiver.read_count() == reads
    assert "WIL_GEEN_HULP" not in creditor_polls(platform, key).text


async def test_retention_erases_a_forwards_link_and_reference_and_the_relay_stops_asking(
    make_platform: PlatformFactory, isolation: Isolation, receiver: FakeReceiver
) -> None:
    """R-MAT-5: the forward (a copy belonging to no case here, counted from receipt) and the
    feedback relayed on it lose the creditor's reference and the link to the signal there;
    the facts stay; and what the receiving deployment says later reaches no one."""
    platform, key, signal_id, remote = await forwarded_to(
        make_platform, isolation, receiver, VROEG_RETENTION_INTERVAL_S="0.5"
    )
    receiver.add(item(remote, "BEKEND_BIJ_SHV"))  # not final: the relay keeps asking
    await hears(platform, key, "BEKEND_BIJ_SHV")

    db = isolation.database_url
    for table in ("feedback.forwards", "feedback.feedback"):
        await execute(
            db,
            f"UPDATE {table} SET created_at = created_at - interval '7 months' "
            "WHERE signal_id = $1::uuid",
            signal_id,
        )
    [forward] = await eventually(
        lambda: fetch(db, "SELECT * FROM feedback.forwards"),
        lambda rows: rows[0]["remote_signal_id"] is None,
    )
    assert (forward["remote_signal_id"], forward["vlp_reference"], forward["payload"]) == (
        None,
        None,
        None,
    )
    assert (forward["status"], forward["destination"]) == ("FORWARDED", "0599")
    records = await eventually(
        lambda: creditor_feedback(isolation, signal_id),
        lambda rows: all(r["vlp_reference"] is None for r in rows),
    )
    assert sorted(r["feedback_type"] for r in records) == ["BEKEND_BIJ_SHV", "NIET_WOONACHTIG"]
    [seen] = staff_forwards(platform)
    assert (seen["status"], seen["outcome"]) == ("FORWARDED", "FORWARDED")

    async def reported() -> dict[str, int]:
        return erased_counts(platform["feedback"])

    counts = await eventually(reported, lambda c: c.get("feedback.forward") == 1)
    assert counts["feedback.record"] == 2

    reads = receiver.read_count()
    receiver.add(item(remote, "HULP_GEACCEPTEERD", collectionPausedUntil=PAUSE_END))
    await asyncio.sleep(QUIET_S)
    assert receiver.read_count() == reads
    assert "HULP_GEACCEPTEERD" not in creditor_polls(platform, key).text


async def test_two_replicas_relay_each_item_of_a_receiving_feed_once(
    make_platform: PlatformFactory, isolation: Isolation, tmp_path: Path, otlp: OtlpReceiver
) -> None:
    """Two feedback processes poll the same receiving feed while it grows: each item is read
    from it once, and each piece of feedback is recorded once and reaches the creditor's
    webhook once (whichever replica relayed it, and whichever delivered it) — in the trace of
    the signal it is about."""
    receiver = FakeReceiver(delay_s=0.05)  # each read takes a while: room to overlap
    receiver.start()
    tracing = {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    platform = make_platform(
        {**FAST_RELAY, "VROEG_WEBHOOK_POLL_INTERVAL_S": "0.1", **tracing}, served=("0363",)
    )
    second = ServiceProcess(
        "feedback", free_port(), dict(platform["feedback"].env), tmp_path / "feedback-2.log"
    )
    try:
        platform.start([*PROCESSES, WEBHOOK_STANDIN])
        second.start()
        second.wait_ready()
        enter_rotterdam(
            platform, receiver.url, served_here=False, feedback_url=receiver.url, key=receiver.key
        )
        await feedback_knows(isolation, "0363")
        await feedback_knows(isolation, "0599")
        key = await creditor_key(platform["intake"].url)
        woonstad = Creditor(platform, "woonstad", key, isolation.database_url)
        await eventually(  # feedback knows the key intake issued (from its event)
            lambda: asyncio.to_thread(httpx.get, woonstad.webhook, headers=woonstad.headers),
            lambda response: response.status_code != 401,
        )
        woonstad.register()
        for n in range(SIGNALS):
            deliver(platform, key, f"WS-BAKKER-{n}")
        await eventually(lambda: asyncio.to_thread(lambda: receiver.ids), _all_forwarded)
        # The receiver has the ids before its 201 reaches us: the feed's items are ours once
        # feedback has recorded what each was given there.
        await eventually(
            lambda: fetch(
                isolation.database_url,
                "SELECT 1 FROM feedback.forwards WHERE remote_signal_id IS NOT NULL",
            ),
            lambda rows: len(rows) >= SIGNALS,
        )

        # The feed grows in two steps while both replicas poll it.
        receiver.add(*(item(remote, "BEKEND_BIJ_SHV") for remote in receiver.ids))
        await eventually(
            lambda: asyncio.to_thread(receiver.handed_out), lambda out: len(out) >= SIGNALS
        )
        receiver.add(
            *(
                item(remote, "HULP_GEACCEPTEERD", collectionPausedUntil=PAUSE_END)
                for remote in receiver.ids
            )
        )
        everything = 3 * SIGNALS  # NIET_WOONACHTIG, BEKEND_BIJ_SHV, HULP_GEACCEPTEERD each
        # By webhook: pushed as recorded (the poll's view waits for every transaction on the
        # server older than the row, which a shared test server may hold back for minutes).
        pushed = await woonstad.received_when(lambda r: len(r) >= everything)
        assert {r["outcome"] for r in pushed} == {"accepted"}
        told = [(r["body"]["signalId"], r["body"]["feedbackType"]) for r in pushed]
        assert len(told) == len(set(told)) == everything
        rows = await fetch(isolation.database_url, "SELECT signal_id FROM feedback.feedback")
        assert len(rows) == everything
        # Every item of the feed was handed out once, to one replica or the other.
        assert sorted(receiver.handed_out()) == list(range(2 * SIGNALS))
        assert second.popen is not None
        assert second.popen.poll() is None
    finally:
        second.stop()
        receiver.stop()
    platform.stop()  # a graceful stop flushes the spans
    spans = otlp.snapshot()
    # Each signal is a trace from its POST on: its forward's decision and the fact of it, the
    # feedback relayed back, and each delivery to the creditor are in it. At least so many:
    # a transaction tried again (a replica's relay, a retried attempt) adds its own spans.
    signals = {s.trace_id for s in spans if s.name == "POST /v1/signalen"}
    assert len(signals) == SIGNALS

    def per_signal(name: str) -> Counter[str]:
        return Counter(s.trace_id for s in spans if s.name == name or s.name.endswith(name))

    for name, least in (
        ("forward decided", 1),
        (SIGNAL_FORWARDED.name, 1),  # the fact for reporting, sent
        ("relay forwarded feedback", 2),  # BEKEND_BIJ_SHV, HULP_GEACCEPTEERD
        ("deliver feedback", 3),  # and NIET_WOONACHTIG
    ):
        found = per_signal(name)
        assert set(found) == signals, name
        assert min(found.values()) >= least, name
    # The feed's reads are no part of a trace: the other deployment records each as a
    # request of its own, not under a parent nobody records.
    assert receiver.read_traceparents
    assert set(receiver.read_traceparents) == {None}


SIGNALS = 6


def _all_forwarded(ids: list[str]) -> bool:
    return len(ids) == SIGNALS
