"""Nothing personal in logs, spans or dead-letter headers, whatever fails (issue 8, item 16).

A signal with a name no one else has goes through every failure path: a database error in
intake's request, a database error in brp-check's handler (retried, then parked), the BRP
down while its signal waits, and a poison event on the topic; and a database error as a
reviewer picks a person by BSN. Then every log line, every span (attributes, events, status)
and every dead-letter header is searched for the name and the BSNs.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import httpx

from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.kafka import headers_of, produce, read_topic
from tests.support.otlp import OtlpReceiver
from tests.support.signals import jansen_signal
from vroeg.deploy.demo import signal_body
from vroeg.shared.cloudevents import Message, encode
from vroeg.shared.events import SignalReceived
from vroeg.shared.topics import SIGNAL_RECEIVED, dead_letter_topic

TODAY = date(2026, 11, 27)
# Letters a-p only: no legal-person marker (R-IN-3) can hide in it, so intake takes it up.
NAME = "Kapmeijer" + "".join(chr(ord("a") + int(c, 16)) for c in uuid4().hex[:12])
BSN = "987654329"
EVA_MULDER = "999990083"  # of the BRP stand-in's demo population
FAULT = "vroeg_test_fault"


def _signal(reference: str) -> dict[str, object]:
    return signal_body(
        reference=reference,
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        geslachtsnaam=NAME,
        geboortedatum=date(1979, 3, 4),
        postcode="1012AB",
        huisnummer=1,
        today=TODAY,
    )


def _poison(topic: str) -> Message:
    """A SignalReceived whose debtor lacks a surname and has a field no schema knows."""
    message = encode(
        SignalReceived(municipality="0363", occurred_at=datetime.now(UTC), signal=jansen_signal()),
        topic=topic,
        source="/tests",
        trace={},
    )
    data = json.loads(message.value)
    data["signal"]["debtor"] = {"voornamen": NAME, "bsn": BSN}
    return Message(message.topic, message.key, json.dumps(data).encode(), message.headers)


async def _reviews(iso: Isolation) -> int:
    rows = await fetch(iso.database_url, "SELECT count(*) AS n FROM brp_check.reviews")
    return int(rows[0]["n"])


async def test_no_name_or_bsn_in_logs_spans_or_dead_letters_when_every_path_fails(
    isolation: Isolation,
    make_platform: PlatformFactory,
    otlp: OtlpReceiver,
    tmp_path: Path,
) -> None:
    platform = make_platform(
        {"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    )
    platform.start(["brp-standin", "idp-standin", "intake", "brp-check"])
    intake, brp, check = platform["intake"], platform["brp-standin"], platform["brp-check"]
    key = await creditor_key(intake.url)
    db = isolation.database_url
    dead_letters = isolation.topic(dead_letter_topic("brp-check"))

    async def post(reference: str) -> httpx.Response:
        async with httpx.AsyncClient(base_url=intake.url, headers={"X-Api-Key": key}) as http:
            return await http.post("/v1/signalen", json=_signal(reference))

    # A database error in a request: the insert carrying the name fails.
    await execute(db, f"ALTER TABLE intake.signals ADD CONSTRAINT {FAULT} CHECK (false) NOT VALID")
    assert (await post("privacy-1")).status_code == 500
    await execute(db, f"ALTER TABLE intake.signals DROP CONSTRAINT {FAULT}")

    # A database error in a handler: nobody in the BRP has the name, so the signal goes to
    # review (R-BRP-5), whose insert fails every attempt; the signal is parked.
    await execute(
        db, f"ALTER TABLE brp_check.reviews ADD CONSTRAINT {FAULT} CHECK (false) NOT VALID"
    )
    assert (await post("privacy-2")).status_code == 201
    assert len(await read_topic(isolation.kafka, dead_letters, expect=1)) == 1
    await execute(db, f"ALTER TABLE brp_check.reviews DROP CONSTRAINT {FAULT}")

    # The BRP down while a signal with the name waits for it.
    brp.kill()
    assert (await post("privacy-3")).status_code == 201
    await asyncio.sleep(3)
    brp.start()
    brp.wait_ready()
    assert await eventually(lambda: _reviews(isolation), lambda n: n == 1) == 1

    # A poison event whose validation error would quote the name and the BSN.
    await produce(isolation.kafka, [_poison(isolation.topic(SIGNAL_RECEIVED.name))])
    parked = await read_topic(isolation.kafka, dead_letters, expect=2)
    assert len(parked) == 2

    # A database error as a reviewer picks a person: the update carrying the BSN fails.
    mulder = signal_body(
        reference="privacy-4",
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        geslachtsnaam="Mulder",  # two Mulders share this birth date: review (R-BRP-5)
        geboortedatum=date(1985, 4, 4),
        postcode="1012AE",
        huisnummer=9,
        today=TODAY,
    )
    async with httpx.AsyncClient(base_url=intake.url, headers={"X-Api-Key": key}) as http:
        mulder_id = (await http.post("/v1/signalen", json=mulder)).json()["id"]
    assert await eventually(lambda: _reviews(isolation), lambda n: n == 2) == 2
    await execute(
        db, f"ALTER TABLE brp_check.reviews ADD CONSTRAINT {FAULT} CHECK (false) NOT VALID"
    )
    reviewer = staff_headers(platform, "reviewer-0363")
    pick = {"choice": "candidate", "bsn": EVA_MULDER, "explanation": "born on that day"}
    async with httpx.AsyncClient(base_url=f"{check.url}/v1", headers=reviewer) as http:
        assert (await http.post(f"/uitval/{mulder_id}/besluit", json=pick)).status_code == 500
    await execute(db, f"ALTER TABLE brp_check.reviews DROP CONSTRAINT {FAULT}")

    platform.stop()  # a graceful stop flushes every process's spans
    logs = {  # every process's, the BRP stand-in's too
        name: process.log_path.read_text()
        for name, process in platform.processes.items()
        if process.log_path.exists()
    }
    assert set(logs) == {"intake", "brp-check", "brp-standin", "idp-standin"}
    spans = otlp.snapshot()
    for secret in (NAME, BSN, EVA_MULDER):
        for name, text in logs.items():
            leaks = [line for line in text.splitlines() if secret in line]
            assert not leaks, f"{name} logged {secret}: {leaks[:3]}"
        for span in spans:
            assert not any(secret in text for text in span.texts()), f"{secret} in {span}"
        for record in parked:
            assert not any(secret in value for value in headers_of(record).values())

    # Each failure was told, by what went wrong and where.
    assert "unhandled error on POST /v1/signalen" in logs["intake"]
    assert "/besluit" in logs["brp-check"]  # the decision's error
    assert "BRP unreachable" in logs["brp-check"]
    assert any(event == "exception" for s in spans for event, _ in s.events)
    errors = " | ".join(headers_of(r)["vroeg_dlq_error"] for r in parked)
    assert "CheckViolationError SQLSTATE 23514 (table reviews" in errors
    assert "signal.debtor.geslachtsnaam: missing" in errors
