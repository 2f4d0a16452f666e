"""The durable deadline scheduler (R-FU-1): with the clock moved, each deadline is announced
due soon and missed exactly once — with two followup processes running, and after one is
SIGKILLed and restarted; a case a person picked up is announced neither."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx

from tests.support.clock import set_clock
from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import publish, read_events
from tests.support.signals import opened_case as opened
from vroeg.deploy.processes import ServiceProcess, free_port
from vroeg.shared.events import (
    Event,
    FirstContactDueSoon,
    FirstContactMissed,
    SignalKind,
)
from vroeg.shared.topics import CASE_OPENED, FIRST_CONTACT_DUE_SOON, FIRST_CONTACT_MISSED

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=AMSTERDAM)


async def announced(iso: Isolation, *, expect: int) -> Counter[tuple[str, UUID]]:
    """How many distinct events of each kind each case got (a resend repeats an id), once at
    least `expect` were announced (the scheduler and the relay run on their own time)."""

    async def read() -> dict[UUID, Event]:
        events: dict[UUID, Event] = {}
        for topic in (FIRST_CONTACT_DUE_SOON, FIRST_CONTACT_MISSED):
            for event in await read_events(
                iso.kafka, iso.topic(topic.name), expect=0, timeout=5, settle=2.5
            ):
                events[event.id] = event
        return events

    events = await eventually(read, lambda found: len(found) >= expect)
    assert len(events) >= expect
    return Counter(
        (type(e).__name__, e.case_id)
        for e in events.values()
        if isinstance(e, FirstContactDueSoon | FirstContactMissed)
    )


async def test_each_deadline_is_announced_once_by_two_replicas_and_after_a_kill(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    set_clock(clock, at("2026-12-07").isoformat())  # a Monday
    env = {"VROEG_CLOCK_FILE": str(clock), "VROEG_SCHEDULER_INTERVAL_S": "0.2"}
    platform = make_platform(env)
    crisis = opened(received_at=at("2026-12-07"))  # water: due Thursday 10 December
    ordinary = opened(kind=SignalKind.VROEGSIGNAAL, received_at=at("2026-12-07"))  # due 21st
    picked_up = opened(received_at=at("2026-12-07"))
    platform.start(["idp-standin", "followup"])
    first = platform["followup"]
    second = ServiceProcess("followup", free_port(), dict(first.env), tmp_path / "second.log")
    second.start()
    second.wait_ready()
    try:
        await publish(
            isolation.kafka, isolation.topic(CASE_OPENED.name), [crisis, ordinary, picked_up]
        )
        await eventually(
            lambda: fetch(isolation.database_url, "SELECT 1 FROM followup.first_contact_deadlines"),
            lambda rows: len(rows) == 3,
        )
        deadlines = await fetch(
            isolation.database_url,
            "SELECT case_id, due_date, due_soon_on FROM followup.first_contact_deadlines",
        )
        due = {r["case_id"]: (str(r["due_date"]), str(r["due_soon_on"])) for r in deadlines}
        assert due[crisis.case_id] == ("2026-12-10", "2026-12-09")
        assert due[ordinary.case_id] == ("2026-12-21", "2026-12-18")
        assert await announced(isolation, expect=0) == Counter()

        # Tuesday: a person calls the third household; it is picked up (R-FU-1).
        set_clock(clock, at("2026-12-08").isoformat())
        call = httpx.post(
            f"{first.url}/v1/meldingen/{picked_up.case_id}/contactpogingen",
            json={"kind": "TELEFOON", "attemptedOn": "2026-12-08", "result": "NIET_BEREIKT"},
            headers=staff_headers(platform, "vroegsignaleerder-0363"),
        )
        assert call.status_code == 201, call.text

        # Wednesday: one working day left of the crisis deadline.
        set_clock(clock, at("2026-12-09").isoformat())
        assert await announced(isolation, expect=1) == Counter(
            {("FirstContactDueSoon", crisis.case_id): 1}
        )

        # One replica dies hard and comes back; Friday: the crisis deadline was missed.
        first.kill()
        first.start()
        first.wait_ready()
        set_clock(clock, at("2026-12-11").isoformat())
        assert await announced(isolation, expect=2) == Counter(
            {
                ("FirstContactDueSoon", crisis.case_id): 1,
                ("FirstContactMissed", crisis.case_id): 1,
            }
        )

        # Past the ordinary deadline at once: missed, never "due soon" after the fact.
        set_clock(clock, at("2026-12-22").isoformat())
        assert await announced(isolation, expect=3) == Counter(
            {
                ("FirstContactDueSoon", crisis.case_id): 1,
                ("FirstContactMissed", crisis.case_id): 1,
                ("FirstContactMissed", ordinary.case_id): 1,
            }
        )
    finally:
        second.stop()
