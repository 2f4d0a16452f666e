"""The demo's first line, in both orders: the Jansen household's rent signal and its water
disconnection make one crisis case whose first contact is due 3 working days after the water
signal's receipt, whichever arrives first (R-MAT-2, R-MAT-4, R-FU-1).

The signals go in through intake over HTTP and through the BRP check, as a creditor's would;
the second is posted only once the first is in a case, so the order is the one the matcher
sees. And a crisis that brings no earlier due date (an eviction after a rent signal) still
makes followup's deadline a crisis one.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from functools import partial
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.kafka import publish, read_events
from tests.support.signals import jansen_signal, matched
from vroeg.deploy.demo_batch import demo_signals
from vroeg.followup.rules import WATER_DISCONNECTION_WORKING_DAYS, add_working_days
from vroeg.followup.settings import Settings as FollowupSettings
from vroeg.matcher.rules import PriorityPolicy, case_state, changes
from vroeg.shared.events import (
    CaseChangeKind,
    CaseOpened,
    CaseState,
    CaseStatus,
    CaseUpdated,
    SignalData,
    SignalKind,
)
from vroeg.shared.topics import CASE_OPENED, CASE_UPDATED

PROCESSES = ["brp-standin", "idp-standin", "intake", "brp-check", "matcher", "followup"]
DUTCH = ZoneInfo("Europe/Amsterdam")


def _first_line() -> dict[str, tuple[tuple[str, str], dict[str, Any]]]:
    """The demo batch's water disconnection and rent signal of the Jansen household: per
    name, the creditor that sends it and the body it posts."""
    water, rent = demo_signals(date.today(), run=uuid4().hex[:8])[:2]
    assert (water.body["kind"], water.body["arrearsType"]) == ("AFSLUITING", "DRINKWATER")
    assert (rent.body["kind"], rent.body["arrearsType"]) == ("VROEGSIGNAAL", "HUUR")
    assert water.body["address"] == rent.body["address"]
    return {"water": (water.vlp, water.body), "rent": (rent.vlp, rent.body)}


async def _post(intake: str, vlp: tuple[str, str], body: dict[str, Any]) -> UUID:
    """Deliver a signal as its creditor; the id intake gave it."""
    key = await creditor_key(intake, vlp)
    async with httpx.AsyncClient(base_url=intake) as http:
        posted = await http.post("/v1/signalen", json=body, headers={"X-Api-Key": key})
    assert posted.status_code == 201, posted.text
    return UUID(posted.json()["id"])


async def _in_case(iso: Isolation, signal_id: UUID) -> list[Any]:
    return await fetch(
        iso.database_url,
        "SELECT case_id, received_at FROM matcher.case_signals WHERE signal_id = $1",
        signal_id,
    )


@pytest.mark.parametrize("order", [("rent", "water"), ("water", "rent")], ids=lambda o: o[0])
async def test_the_demo_household_is_one_crisis_case_whichever_signal_comes_first(
    order: tuple[str, str], isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(PROCESSES)
    intake = platform["intake"].url
    first_line = _first_line()
    ids: dict[str, UUID] = {}
    for name in order:
        posted = ids[name] = await _post(intake, *first_line[name])
        # The next one only once this one is in a case: the order is the matcher's too.
        assert await eventually(partial(_in_case, isolation, posted), bool), name

    cases = await fetch(isolation.database_url, "SELECT id, state FROM matcher.cases")
    assert len(cases) == 1
    case_id = cases[0]["id"]
    (water,) = await _in_case(isolation, ids["water"])
    (rent,) = await _in_case(isolation, ids["rent"])
    assert water["case_id"] == rent["case_id"] == case_id

    opened = await read_events(isolation.kafka, isolation.topic(CASE_OPENED.name), expect=1)
    updated = await read_events(isolation.kafka, isolation.topic(CASE_UPDATED.name), expect=1)
    assert len(opened) == 1
    assert len(updated) == 1
    (case_opened,), (case_updated,) = opened, updated
    assert isinstance(case_opened, CaseOpened)
    assert isinstance(case_updated, CaseUpdated)
    assert case_opened.case_id == case_updated.case_id == case_id
    assert [s.signal_id for s in case_opened.state.signals] == [ids[order[0]]]
    assert {s.signal_id for s in case_updated.state.signals} == set(ids.values())
    assert case_updated.state.crisis is True
    assert case_updated.state.priority.crisis is True
    kinds = {change.kind for change in case_updated.changes}
    assert CaseChangeKind.SIGNAL_JOINED in kinds
    if order[0] == "rent":
        # The water disconnection joins a rent case and makes it a crisis case.
        assert case_opened.state.crisis is False
        assert CaseChangeKind.CRISIS_RAISED in kinds
        raised = [c for c in case_updated.changes if c.kind == CaseChangeKind.CRISIS_RAISED]
        assert [c.signal_id for c in raised] == [ids["water"]]
    else:
        # A crisis case from the start: the rent signal joins it and raises nothing.
        assert case_opened.state.crisis is True
        assert CaseChangeKind.CRISIS_RAISED not in kinds

    # followup counts 3 working days from the water signal's receipt (its Dutch date), not
    # 10 from the rent signal's.
    received_on = water["received_at"].astimezone(DUTCH).date()
    decreed = FollowupSettings.model_fields["decreed_days_off"].default
    due = add_working_days(received_on, WATER_DISCONNECTION_WORKING_DAYS, decreed)
    url = f"{platform['followup'].url}/v1/meldingen/{case_id}/termijn"
    headers = staff_headers(platform, "vroegsignaleerder-0363")

    async def deadline() -> dict[str, Any]:
        response = await asyncio.to_thread(httpx.get, url, headers=headers)
        return response.json() if response.status_code == 200 else {}

    found = await eventually(deadline, lambda d: d.get("workingDays") == 3)
    assert found == {
        "caseId": str(case_id),
        "openedOn": received_on.isoformat(),
        "dueDate": due.isoformat(),
        "workingDays": WATER_DISCONNECTION_WORKING_DAYS,
        "crisis": True,
        # Nobody has tried to reach the household yet.
        "state": "OPEN",
        "metOn": None,
    }
    rows = await fetch(
        isolation.database_url,
        "SELECT working_days, due_date FROM followup.first_contact_deadlines",
    )
    assert [(r["working_days"], r["due_date"]) for r in rows] == [(3, due)]


def _state(signals: list[SignalData], version: int) -> CaseState:
    """A case's lean state as the matcher would announce it."""
    return case_state(
        [matched(s) for s in signals],
        status=CaseStatus.OPEN,
        version=version,
        repeats={},
        others=(),
        policy=PriorityPolicy(),
    )


async def test_a_crisis_signal_that_brings_no_earlier_due_date_still_makes_the_deadline_crisis(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    # A municipality whose policy gives evictions no crisis deadline (R-FU-1; default on).
    platform = make_platform({"VROEG_OTHER_CRISES_3_DAYS": "false"})
    platform.start(["idp-standin", "followup"])
    rent = jansen_signal()
    # An eviction announced the next day: a crisis (R-MAT-4), but by this policy its first
    # contact is due in the default working days, after the rent signal's.
    eviction = jansen_signal().model_copy(
        update={
            "kind": SignalKind.UITHUISZETTING,
            "received_at": rent.received_at + timedelta(days=1),
        }
    )
    opened = CaseOpened(
        municipality="0363", occurred_at=rent.received_at, case_id=uuid4(), state=_state([rent], 1)
    )
    url = f"{platform['followup'].url}/v1/meldingen/{opened.case_id}/termijn"
    headers = staff_headers(platform, "vroegsignaleerder-0363")

    async def deadline() -> dict[str, Any]:
        response = await asyncio.to_thread(httpx.get, url, headers=headers)
        return response.json() if response.status_code == 200 else {}

    await publish(isolation.kafka, isolation.topic(CASE_OPENED.name), [opened])
    before = await eventually(deadline, bool)
    assert before["crisis"] is False
    joined = _state([rent, eviction], 2)
    assert joined.crisis is True
    await publish(
        isolation.kafka,
        isolation.topic(CASE_UPDATED.name),
        [
            CaseUpdated(
                municipality="0363",
                occurred_at=eviction.received_at,
                case_id=opened.case_id,
                changes=changes(opened.state, joined, why="test"),
                state=joined,
            )
        ],
    )

    after = await eventually(deadline, lambda d: d["crisis"])
    assert after == {**before, "crisis": True}  # the same due date, now a crisis case


async def test_an_eviction_joining_a_rent_case_tightens_its_deadline_by_default_policy(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["idp-standin", "followup"])
    rent = jansen_signal()
    eviction = jansen_signal().model_copy(
        update={"kind": SignalKind.UITHUISZETTING, "received_at": rent.received_at}
    )
    opened = CaseOpened(
        municipality="0363", occurred_at=rent.received_at, case_id=uuid4(), state=_state([rent], 1)
    )
    url = f"{platform['followup'].url}/v1/meldingen/{opened.case_id}/termijn"
    headers = staff_headers(platform, "vroegsignaleerder-0363")

    async def deadline() -> dict[str, Any]:
        response = await asyncio.to_thread(httpx.get, url, headers=headers)
        return response.json() if response.status_code == 200 else {}

    await publish(isolation.kafka, isolation.topic(CASE_OPENED.name), [opened])
    before = await eventually(deadline, bool)
    assert before["workingDays"] == 10
    joined = _state([rent, eviction], 2)
    await publish(
        isolation.kafka,
        isolation.topic(CASE_UPDATED.name),
        [
            CaseUpdated(
                municipality="0363",
                occurred_at=eviction.received_at,
                case_id=opened.case_id,
                changes=changes(opened.state, joined, why="test"),
                state=joined,
            )
        ],
    )
    after = await eventually(deadline, lambda d: d["workingDays"] == 3)
    assert (after["workingDays"], after["crisis"]) == (3, True)
    assert after["dueDate"] < before["dueDate"]
