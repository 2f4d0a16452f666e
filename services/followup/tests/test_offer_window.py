"""The 28-day offer window (R-FU-5) with the clock moved: with nothing registered, an
intermediate result 14 days after the case opened and NIET_BEREIKT at 28, each once — after a
SIGKILL and a restart too — and never over an outcome a person registered."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx

from tests.support.clock import set_clock
from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import publish, read_events
from tests.support.signals import opened_case
from vroeg.shared.clock import dutch_date
from vroeg.shared.events import (
    CaseIntermediateResult,
    CaseOpened,
    CaseOutcomeRegistered,
    Event,
    OutcomeCategory,
    OutcomeDetail,
    SignalKind,
)
from vroeg.shared.topics import CASE_INTERMEDIATE_RESULT, CASE_OPENED, CASE_OUTCOME_REGISTERED

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
OPENED = datetime(2026, 12, 7, 9, tzinfo=AMSTERDAM)  # a Monday


def day(n: int) -> str:
    """The moment `n` days after the cases opened, as the clock file holds it."""
    return (OPENED + timedelta(days=n)).isoformat()


async def distinct(iso: Isolation, topic: str, *, expect: int) -> list[Event]:
    """The distinct events on a topic (a resend after a kill repeats an id)."""
    events = await read_events(iso.kafka, iso.topic(topic), expect=expect, settle=2.5)
    return list({e.id: e for e in events}.values())


async def intermediate(iso: Isolation, *, expect: int) -> Counter[tuple[UUID, bool]]:
    """How many intermediate results each case got, and whether it says reached."""
    events = await distinct(iso, CASE_INTERMEDIATE_RESULT.name, expect=expect)
    assert all(isinstance(e, CaseIntermediateResult) for e in events)
    return Counter((e.case_id, e.reached) for e in events if isinstance(e, CaseIntermediateResult))


async def outcomes(iso: Isolation, *, expect: int) -> dict[UUID, list[CaseOutcomeRegistered]]:
    """Each case's outcome events."""
    found: dict[UUID, list[CaseOutcomeRegistered]] = {}
    for event in await distinct(iso, CASE_OUTCOME_REGISTERED.name, expect=expect):
        assert isinstance(event, CaseOutcomeRegistered)
        found.setdefault(event.case_id, []).append(event)
    return found


async def test_the_offer_window_sets_its_results_once_and_never_over_a_persons_outcome(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    set_clock(clock, day(0))
    platform = make_platform({"VROEG_CLOCK_FILE": str(clock), "VROEG_SCHEDULER_INTERVAL_S": "0.2"})

    def case() -> CaseOpened:
        return opened_case(kind=SignalKind.VROEGSIGNAAL, received_at=OPENED)

    silent, reached_only, person, closed_early = case(), case(), case(), case()
    platform.start(["idp-standin", "followup"])
    followup = platform["followup"]
    http = httpx.AsyncClient(
        base_url=f"{followup.url}/v1/meldingen",
        headers=staff_headers(platform, "vroegsignaleerder-0363"),
    )
    await publish(
        isolation.kafka,
        isolation.topic(CASE_OPENED.name),
        [silent, reached_only, person, closed_early],
    )
    await eventually(
        lambda: fetch(isolation.database_url, "SELECT 1 FROM followup.cases"),
        lambda rows: len(rows) == 4,
    )

    # Day 2: one resident is reached by phone, no outcome yet; another case is closed by a
    # person at once, and reopened: a person's outcome was registered, so the window's
    # automatic results are no longer its.
    set_clock(clock, day(2))
    today = dutch_date(OPENED + timedelta(days=2)).isoformat()
    call = {"kind": "TELEFOON", "attemptedOn": today, "result": "BEREIKT"}
    assert (
        await http.post(f"/{reached_only.case_id}/contactpogingen", json=call)
    ).status_code == 201
    not_reached = {"category": "NIET_BEREIKT", "detail": "GEEN_CONTACT"}
    assert (
        await http.post(f"/{closed_early.case_id}/uitkomst", json=not_reached)
    ).status_code == 201

    reopen = {"reason": "Inwoner belde terug"}
    assert (await http.post(f"/{closed_early.case_id}/heropening", json=reopen)).status_code == 204

    # Day 13: too early for anything.
    set_clock(clock, day(13))
    assert await intermediate(isolation, expect=0) == Counter()

    # Day 14: the intermediate result of each open case with no outcome, once.
    set_clock(clock, day(14))
    at_14 = Counter(
        {(silent.case_id, False): 1, (reached_only.case_id, True): 1, (person.case_id, False): 1}
    )
    assert await intermediate(isolation, expect=3) == at_14
    [one] = [
        e
        for e in await distinct(isolation, CASE_INTERMEDIATE_RESULT.name, expect=3)
        if isinstance(e, CaseIntermediateResult) and e.case_id == silent.case_id
    ]
    assert one.offer_window_ends_on == dutch_date(OPENED) + timedelta(days=28)

    # followup dies hard and comes back: nothing is announced again.
    followup.kill()
    followup.start()
    followup.wait_ready()
    assert await intermediate(isolation, expect=3) == at_14

    # Day 20: a person reaches the third resident, who accepts help.
    set_clock(clock, day(20))
    call["attemptedOn"] = dutch_date(OPENED + timedelta(days=20)).isoformat()
    assert (await http.post(f"/{person.case_id}/contactpogingen", json=call)).status_code == 201
    accepted = {"category": "WIL_HULP", "detail": "QUICK_FIX"}
    assert (await http.post(f"/{person.case_id}/uitkomst", json=accepted)).status_code == 201

    # Day 27: the window is still open.
    set_clock(clock, day(27))
    assert set(await outcomes(isolation, expect=2)) == {closed_early.case_id, person.case_id}

    # Day 28: the two cases nobody registered an outcome on close by themselves, NIET_BEREIKT
    # (the one reached: no reaction after contact); the persons' outcomes stand, and the case
    # reopened after a person's outcome stays open.
    set_clock(clock, day(28))
    await eventually(
        lambda: fetch(
            isolation.database_url, "SELECT case_id FROM followup.cases WHERE status = 'OPEN'"
        ),
        lambda rows: [r["case_id"] for r in rows] == [closed_early.case_id],
    )
    followup.kill()
    followup.start()
    followup.wait_ready()
    set_clock(clock, day(40))
    closed = await outcomes(isolation, expect=4)
    assert {
        case_id: [(e.category, e.detail) for e in events] for case_id, events in closed.items()
    } == {
        closed_early.case_id: [(OutcomeCategory.NIET_BEREIKT, OutcomeDetail.GEEN_CONTACT)],
        person.case_id: [(OutcomeCategory.WIL_HULP, OutcomeDetail.QUICK_FIX)],
        silent.case_id: [(OutcomeCategory.NIET_BEREIKT, OutcomeDetail.GEEN_CONTACT)],
        reached_only.case_id: [(OutcomeCategory.NIET_BEREIKT, OutcomeDetail.GEEN_REACTIE)],
    }
    assert await intermediate(isolation, expect=3) == at_14
    # Help accepted: the creditor pauses collection 30 days (R-FU-5, §8.8.3); no pause else.
    [help_accepted] = closed[person.case_id]
    assert help_accepted.collection_paused_until == dutch_date(help_accepted.closed_at) + timedelta(
        days=30
    )
    assert closed[silent.case_id][0].collection_paused_until is None
    assert dutch_date(closed[silent.case_id][0].closed_at) == dutch_date(OPENED) + timedelta(
        days=28
    )
    automatic = await fetch(
        isolation.database_url,
        "SELECT case_id, registered_by FROM followup.outcomes WHERE registered_by = 'vroeg-followup'",
    )
    assert {r["case_id"] for r in automatic} == {silent.case_id, reached_only.case_id}
