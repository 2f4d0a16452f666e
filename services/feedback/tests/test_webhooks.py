"""Feedback pushed by webhook (issue 11), against the creditor's receiver stand-in, which
verifies every delivery with the `standardwebhooks` package as a creditor would. Time moves by
the test clock (`VROEG_CLOCK_FILE`): a failed delivery is tried again only when the test moves
it, so each attempt is counted, never timed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import publish
from tests.support.otlp import OtlpReceiver
from tests.support.webhooks import (
    PROBLEM,
    MovableClock,
    creditor,
    deliveries,
    feedback_for,
    started,
)
from vroeg.shared.events import KeyHolderKind, RefusalReason, SignalRefused
from vroeg.shared.topics import SIGNAL_REFUSED

SERVER, CLIENT = 2, 3  # OTLP span kinds


def outcomes(received: list[dict[str, Any]]) -> list[str]:
    return [r["outcome"] for r in received]


async def test_a_delivery_carries_the_feedback_signed_per_standard_webhooks(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock)
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register()
    [feedback_id] = await feedback_for(isolation, woonstad)

    [got] = await woonstad.received_when(bool)
    # Verified by the receiver with standardwebhooks against the secret it was given.
    assert (got["outcome"], got["status"], got["signatures"]) == ("accepted", 204, 1)
    # The feedback's id is the webhook-id, so the receiver can tell a repeat.
    assert got["webhookId"] == str(feedback_id)
    body = got["body"]
    assert body["vlpReference"] == "woonstad-dossier-0"
    assert (body["feedbackType"], body["reason"]) == ("NIET_OPGEPAKT", "ONDER_DREMPEL")
    # Acknowledged: the delivery no longer holds the body.
    row = (await deliveries(isolation))[feedback_id]
    assert (row["state"], row["body"], row["attempts"]) == ("DELIVERED", None, 1)


async def test_each_attempt_is_in_the_trace_of_what_caused_the_feedback(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path, otlp: OtlpReceiver
) -> None:
    """An operator following a signal sees its creditor told: every attempt is a `deliver
    feedback` span in the trace of the event the feedback came from, around its POST. Before,
    the POST was a trace of its own, which nothing recorded. Neither the span nor the log has
    the endpoint's query, where a creditor may put a token."""
    clock = MovableClock(tmp_path / "clock")
    platform = started(
        make_platform,
        clock,
        OTEL_EXPORTER_OTLP_ENDPOINT=otlp.endpoint,
        OTEL_BSP_SCHEDULE_DELAY="100",
    )
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register("?via=vroeg&token=woonstad-s3cret&s3cret")  # a token in its URL
    woonstad.receiver_fails("down", 503)
    await feedback_for(isolation, woonstad)
    await woonstad.received_when(lambda r: len(r) == 1)
    woonstad.receiver_recovers()
    clock.advance(minutes=15)
    await woonstad.received_when(lambda r: len(r) == 2)
    # A query of our own API's: not in its server span either.
    feed = f"{platform['feedback'].url}/v1/terugkoppelingen?na=s3cret"
    assert httpx.get(feed, headers=woonstad.headers).status_code == 200  # "na": not a parameter
    platform.stop()  # a graceful stop flushes the spans
    spans = otlp.snapshot()
    [read] = [s for s in spans if s.kind == SERVER and s.name == "GET /v1/terugkoppelingen"]
    assert read.attributes["url.query"] == "REDACTED"
    assert not [s for s in spans if any("s3cret" in text for text in s.texts())]
    assert "s3cret" not in platform["feedback"].log_path.read_text()

    # The refusal's handling (again in a trace of its own, were it retried: it came untraced).
    caused = {
        s.trace_id
        for s in spans
        if s.service == "vroeg-feedback"
        and s.name == f"process {isolation.topic(SIGNAL_REFUSED.name)}"
    }
    attempts = [s for s in spans if s.name == "deliver feedback"]
    assert len(attempts) == 2
    assert len({s.trace_id for s in attempts}) == 1
    assert {s.trace_id for s in attempts} <= caused
    # How each ended: refused (503), then accepted.
    assert sorted(s.attributes["http.response.status_code"] for s in attempts) == ["204", "503"]
    assert sorted(s.attributes.get("error.type", "") for s in attempts) == ["", "HTTP 503"]
    posts = [s for s in spans if s.kind == CLIENT and s.name == "POST"]
    assert sorted(s.parent_span_id for s in posts) == sorted(s.span_id for s in attempts)
    # Where it went, without what its query says.
    assert {p.attributes.get("url.full", p.attributes.get("http.url")) for p in posts} == {
        woonstad.receiver_url + "?REDACTED"
    }


async def test_feedback_told_twice_is_one_row_and_one_delivery(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    """The same feedback on the same signal again (another event saying it) stores nothing
    and enqueues nothing: the row and its delivery are written together, once."""
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock)
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register()
    [feedback_id] = await feedback_for(isolation, woonstad)
    await eventually(lambda: deliveries(isolation), lambda d: feedback_id in d)
    [stored] = await fetch(
        isolation.database_url, "SELECT * FROM feedback.feedback WHERE id = $1", feedback_id
    )
    again = SignalRefused(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        signal_id=stored["signal_id"],
        vlp_id="woonstad",
        vlp_reference=stored["vlp_reference"],
        reason=RefusalReason.ONDER_DREMPEL,
        rule="R-IN-4",
        policy_version=0,
    )
    await publish(isolation.kafka, isolation.topic(SIGNAL_REFUSED.name), [again])
    assert await eventually(
        lambda: fetch(
            isolation.database_url,
            "SELECT 1 FROM feedback.processed_events WHERE event_id = $1",
            str(again.id),
        ),
        bool,
    )
    rows = await fetch(
        isolation.database_url,
        "SELECT id FROM feedback.feedback WHERE signal_id = $1",
        stored["signal_id"],
    )
    assert [r["id"] for r in rows] == [feedback_id]
    assert list(await deliveries(isolation)) == [feedback_id]


async def test_a_receiver_down_for_a_while_gets_the_delivery_exactly_once_when_it_returns(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock)
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register()
    woonstad.receiver_fails("down", 503)
    [feedback_id] = await feedback_for(isolation, woonstad)

    await woonstad.received_when(lambda r: len(r) == 1)
    clock.advance(minutes=15)
    await woonstad.received_when(lambda r: len(r) == 2)
    row = (await deliveries(isolation))[feedback_id]
    assert (row["state"], row["last_status"], row["attempts"]) == ("PENDING", 503, 2)

    woonstad.receiver_recovers()
    clock.advance(minutes=15)
    received = await woonstad.received_when(lambda r: len(r) == 3)
    assert outcomes(received) == ["down", "down", "accepted"]
    assert {r["webhookId"] for r in received} == {str(feedback_id)}
    # Acknowledged once, never sent again, however far time moves.
    clock.advance(days=3)
    await asyncio.sleep(1)
    assert outcomes(woonstad.received()) == ["down", "down", "accepted"]
    assert (await deliveries(isolation))[feedback_id]["state"] == "DELIVERED"


async def test_a_receiver_down_too_long_gets_a_dead_letter_an_operator_replays_once(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock)
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register()
    woonstad.receiver_fails("down", 500)
    first, second = await feedback_for(isolation, woonstad, 2)
    await woonstad.received_when(lambda r: len(r) == 2)

    # A day later (the policy: 24 h) the next attempts fail too, and the deliveries are parked.
    clock.advance(hours=25)
    await eventually(
        lambda: deliveries(isolation),
        lambda d: all(row["state"] == "DEAD" for row in d.values()),
    )
    assert len(woonstad.received()) == 4
    feedback = platform["feedback"].url
    dead_letters = f"{feedback}/v1/beheer/gemeenten/0363/onbestelbare-webhooks"
    admin = staff_headers(platform, "admin-0363")
    listed = httpx.get(dead_letters, headers=admin, params={"vlpId": "woonstad"})
    assert listed.status_code == 200, listed.text
    assert {d["id"] for d in listed.json()} == {str(first), str(second)}
    assert all(
        (d["attempts"], d["lastStatus"], d["replayable"]) == (2, 500, True) for d in listed.json()
    )
    # Counted just after the attempts that parked them are recorded.
    parked = 'vroeg_webhook_dead_letters_total{creditor="woonstad"} 2.0'
    metrics = await eventually(
        lambda: asyncio.to_thread(lambda: httpx.get(f"{feedback}/metrics").text),
        lambda text: parked in text,
    )
    assert 'vroeg_webhook_dead_letters_waiting{creditor="woonstad"} 2.0' in metrics
    assert parked in metrics

    # Only an admin, only of the municipality whose feedback they carry.
    worker = staff_headers(platform, "vroegsignaleerder-0363")
    assert httpx.get(dead_letters, headers=worker).status_code == 403
    other = httpx.get(dead_letters.replace("0363", "0518"), headers=admin)
    assert other.status_code == 403
    assert other.headers["content-type"].startswith(PROBLEM)
    assert httpx.get(dead_letters).status_code == 401

    # The receiver is back: one replayed, delivered once; replaying it again finds nothing.
    woonstad.receiver_recovers()
    one = httpx.post(f"{dead_letters}/{first}/herbezorging", headers=admin)
    assert (one.status_code, one.json()) == (202, {"replayed": 1})
    received = await woonstad.received_when(lambda r: len(r) == 5)
    assert (received[-1]["webhookId"], received[-1]["outcome"]) == (str(first), "accepted")
    again = httpx.post(f"{dead_letters}/{first}/herbezorging", headers=admin)
    assert again.status_code == 404
    assert again.headers["content-type"].startswith(PROBLEM)

    # The rest of the creditor's, all at once.
    rest = httpx.post(f"{dead_letters}/herbezorging", json={"vlpId": "woonstad"}, headers=admin)
    assert (rest.status_code, rest.json()) == (202, {"replayed": 1})
    received = await woonstad.received_when(lambda r: len(r) == 6)
    clock.advance(days=3)
    await asyncio.sleep(1)
    accepted = [r["webhookId"] for r in woonstad.received() if r["outcome"] == "accepted"]
    assert sorted(accepted) == sorted([str(first), str(second)])
    assert httpx.get(dead_letters, headers=admin).json() == []
    rows = await deliveries(isolation)
    assert {row["replayed_by"] for row in rows.values()} == {"oidc:admin-0363"}


async def test_a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock, VROEG_WEBHOOK_SECRET_OVERLAP_S="3600")
    woonstad = await creditor(isolation, platform, "woonstad")
    old = woonstad.register()
    rotated = httpx.post(f"{woonstad.webhook}/geheim", headers=woonstad.headers)
    assert rotated.status_code == 201, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_")
    assert new != old
    # The secret is shown only once.
    assert httpx.get(woonstad.webhook, headers=woonstad.headers).json().get("secret") is None

    # During the overlap the receiver that knows only the old secret still verifies.
    await feedback_for(isolation, woonstad)
    [got] = await woonstad.received_when(bool)
    assert (got["outcome"], got["signatures"]) == ("accepted", 2)

    # After it, only the new one signs: the old one no longer verifies …
    clock.advance(hours=2)
    [late] = await feedback_for(isolation, woonstad)
    received = await woonstad.received_when(lambda r: len(r) == 2)
    assert (received[-1]["outcome"], received[-1]["signatures"]) == ("refused", 1)
    assert (await deliveries(isolation))[late]["last_status"] == 400
    # … and the new one does.
    woonstad.receiver_knows(new)
    clock.advance(minutes=15)
    received = await woonstad.received_when(lambda r: len(r) == 3)
    assert (received[-1]["webhookId"], received[-1]["outcome"]) == (str(late), "accepted")


async def test_a_tampered_body_is_refused_and_the_worker_tries_again(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock)
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register()
    woonstad.receiver_fails("tamper")
    [feedback_id] = await feedback_for(isolation, woonstad)

    [refused] = await woonstad.received_when(bool)
    assert (refused["outcome"], refused["status"]) == ("refused", 400)
    row = (await deliveries(isolation))[feedback_id]
    assert (row["state"], row["last_status"], row["last_error"]) == ("PENDING", 400, "HTTP 400")

    woonstad.receiver_recovers()
    clock.advance(minutes=15)
    received = await woonstad.received_when(lambda r: len(r) == 2)
    assert outcomes(received) == ["refused", "accepted"]


async def test_a_creditor_s_key_reaches_only_its_own_webhook(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock)
    woonstad = await creditor(isolation, platform, "woonstad")
    water = await creditor(isolation, platform, "waterbedrijf")
    woonstad.register()
    mine = httpx.get(woonstad.webhook, headers=woonstad.headers).json()
    assert mine["url"] == woonstad.receiver_url

    # The other creditor sees no webhook, and cannot change or remove woonstad's.
    for method in ("GET", "DELETE", "POST"):
        path = "/geheim" if method == "POST" else ""
        answer = httpx.request(method, water.webhook + path, headers=water.headers)
        assert answer.status_code == 404, (method, answer.text)
        assert answer.headers["content-type"].startswith(PROBLEM)
    water.register()
    assert httpx.get(woonstad.webhook, headers=woonstad.headers).json() == mine

    # Each creditor's feedback goes to its own endpoint only.
    [for_woonstad] = await feedback_for(isolation, woonstad)
    [for_water] = await feedback_for(isolation, water)
    await woonstad.received_when(bool)
    await water.received_when(bool)
    await asyncio.sleep(1)
    assert [r["webhookId"] for r in woonstad.received()] == [str(for_woonstad)]
    assert [r["webhookId"] for r in water.received()] == [str(for_water)]

    # No key, a wrong key, a municipality's key.
    assert httpx.get(woonstad.webhook).status_code == 401
    assert httpx.get(woonstad.webhook, headers={"X-Api-Key": "vroeg_0.x"}).status_code == 401
    municipality = await creditor(isolation, platform, "gemeente-0518", KeyHolderKind.MUNICIPALITY)
    assert httpx.get(woonstad.webhook, headers=municipality.headers).status_code == 403

    # Removed: no more deliveries for it, the feedback stays to be polled.
    assert httpx.delete(woonstad.webhook, headers=woonstad.headers).status_code == 204
    await feedback_for(isolation, woonstad)
    assert httpx.get(woonstad.webhook, headers=woonstad.headers).status_code == 404
    assert set(await deliveries(isolation)) == {for_water}


BAD_BODIES: list[Any] = [
    {"url": "ftp://incasso.example.nl/hook"},
    {"url": "https://user:wachtwoord@incasso.example.nl/hook"},
    {"url": "https:///hook"},
    {"url": "https://incasso.example.nl/hook#deel"},
    {"url": "https://incasso.example.nl/h ook"},
    {"url": "https://incasso.example.nl:99999/hook"},
    {"url": "https://incasso.example.nl/" + "x" * 2100},
    {"url": ""},
    {"url": 12},
    {},
    {"url": "https://incasso.example.nl/hook", "secret": "whsec_mine"},
    [],
]


async def test_a_bad_webhook_url_is_a_400_problem_and_registers_nothing(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = started(make_platform, MovableClock(tmp_path / "clock"))
    woonstad = await creditor(isolation, platform, "woonstad")
    for body in BAD_BODIES:
        refused = httpx.put(woonstad.webhook, json=body, headers=woonstad.headers)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.headers["content-type"].startswith(PROBLEM)
    broken = httpx.put(
        woonstad.webhook,
        content=b"{not json",
        headers={**woonstad.headers, "content-type": "application/json"},
    )
    assert broken.status_code == 400
    assert httpx.get(woonstad.webhook, headers=woonstad.headers).status_code == 404

    # Registered by several requests at once: one makes it (and its secret), none fails.
    async with httpx.AsyncClient(headers=woonstad.headers) as http:
        answers = await asyncio.gather(
            *(http.put(woonstad.webhook, json={"url": woonstad.receiver_url}) for _ in range(6))
        )
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]


async def test_two_replicas_deliver_each_feedback_once(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock, VROEG_WEBHOOK_BATCH="3")
    second = make_platform(
        {"VROEG_CLOCK_FILE": str(clock.path), "VROEG_WEBHOOK_POLL_INTERVAL_S": "0.1"}
    )
    second.start(["feedback"])
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register()
    ids = await feedback_for(isolation, woonstad, 40)

    await woonstad.received_when(lambda r: len(r) >= 40)
    await asyncio.sleep(1)
    received = woonstad.received()
    assert sorted(r["webhookId"] for r in received) == sorted(map(str, ids))
    assert set(outcomes(received)) == {"accepted"}


async def test_r_mat_5_a_waiting_delivery_s_body_is_erased_when_due(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock, VROEG_RETENTION_INTERVAL_S="0.5")
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register()
    woonstad.receiver_fails()
    [feedback_id] = await feedback_for(isolation, woonstad)
    await woonstad.received_when(bool)
    await execute(
        isolation.database_url,
        "UPDATE feedback.webhook_deliveries SET created_at = created_at - interval '7 months'",
    )
    rows = await eventually(lambda: deliveries(isolation), lambda d: d[feedback_id]["body"] is None)
    assert rows[feedback_id]["body"] is None
