"""The matcher as a process on real Kafka and PostgreSQL (domain §6): routed signals join or
open their household's case, whatever the order they arrive in, and change it (crisis, flags,
repeats); every change is told (CaseOpened, CaseUpdated with why, SignalRepeated). Closing,
reopening and late signals: test_case_lifecycle.py."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import httpx
import pytest

from tests.support.cases import MatcherUnderTest, household, kinds, routed
from tests.support.db import eventually
from tests.support.fixtures import staff_headers
from tests.support.kafka import read_events
from vroeg.shared.events import (
    Address,
    CaseChangeKind,
    CaseContactsChanged,
    CaseOpened,
    CaseUpdated,
    Person,
    RepeatKind,
    Route,
    SignalKind,
    VlpType,
)
from vroeg.shared.topics import CASE_CONTACTS

K = CaseChangeKind
NOW = datetime.now(UTC)


async def test_r_mat_2_a_water_disconnection_makes_the_rent_case_a_crisis_in_either_order(
    matcher: MatcherUnderTest,
) -> None:
    rent_first, water_first = household(), household()
    rent = {
        h: routed(household=h, received=NOW - timedelta(hours=2)) for h in (rent_first, water_first)
    }
    water = {
        h: routed(
            household=h,
            vlp="waternet",
            vlp_type=VlpType.DRINKWATER,
            kind=SignalKind.AFSLUITING,
            received=NOW - timedelta(hours=1),
        )
        for h in (rent_first, water_first)
    }
    await matcher.route(rent[rent_first], water[water_first])
    await matcher.cases(rent_first, signals=1)
    await matcher.cases(water_first, signals=1)
    await matcher.route(water[rent_first], rent[water_first])

    finals = {}
    for home in (rent_first, water_first):
        [case] = await matcher.cases(home, signals=2)
        events = await matcher.events(case["id"])
        assert [type(e) for e in events] == [CaseOpened, CaseUpdated]
        opened, updated = events
        assert updated.state.crisis
        assert updated.state.priority.crisis
        assert case["state"]["crisis"] is True
        assert case["accepting"]
        assert K.SIGNAL_JOINED in kinds(updated)
        finals[home] = (opened, updated)
    # Rent first: the water disconnection raises the crisis, and says why.
    opened, updated = finals[rent_first]
    assert not opened.state.crisis
    [raised] = [c for c in updated.changes if c.kind is K.CRISIS_RAISED]
    assert raised.signal_id == water[rent_first].signal.signal_id
    assert "disconnection" in raised.why
    # Water first: a crisis from the start; the earlier-received rent moves its opening back.
    opened, updated = finals[water_first]
    assert opened.state.crisis
    assert K.CRISIS_RAISED not in kinds(updated)
    assert K.OPENED_AT_CHANGED in kinds(updated)
    # Either way the same case.
    a, b = (finals[h][1].state for h in (rent_first, water_first))
    assert (a.opened_at, a.crisis, a.priority.score, len(a.signals)) == (
        b.opened_at,
        b.crisis,
        b.priority.score,
        2,
    )
    assert a.opened_at == NOW - timedelta(hours=2)
    # Each signal's receipt travels with the case: followup counts the deadline from it.
    assert {(s.signal_id, s.received_at) for s in a.signals} == {
        (e.signal.signal_id, e.signal.received_at) for e in (rent[rent_first], water[rent_first])
    }


async def test_r_brp_2_3_a_deceased_or_minor_route_joining_the_case_flags_it(
    matcher: MatcherUnderTest,
) -> None:
    home = household()
    await matcher.route(routed(household=home))
    [case] = await matcher.cases(home, signals=1)
    deceased = routed(
        household=home, vlp="vitens", vlp_type=VlpType.DRINKWATER, route=Route.DECEASED
    )
    minor = routed(household=home, vlp="cz", vlp_type=VlpType.ZORGVERZEKERING, route=Route.MINOR)
    await matcher.route(deceased, minor)
    [same] = await matcher.cases(home, signals=3)
    assert same["id"] == case["id"]
    added = {
        (c.signal_id, c.why.rsplit("flag ", 1)[-1])
        for e in await matcher.events(case["id"])
        if isinstance(e, CaseUpdated)
        for c in e.changes
        if c.kind is K.FLAG_ADDED
    }
    assert added == {
        (deceased.signal.signal_id, "OVERLEDEN"),
        (minor.signal.signal_id, "MINDERJARIG"),
    }
    assert same["state"]["flags"] == ["MINDERJARIG", "OVERLEDEN"]


async def test_r_in_5_repeats_in_the_open_case_and_of_the_same_debt_are_told_once(
    matcher: MatcherUnderTest,
) -> None:
    home, moved_to, namesake = household(), household(), household()
    first = routed(household=home, received=NOW - timedelta(days=3))
    again = routed(
        household=home, bsn=first.bsn or "", amount="530.00", received=NOW - timedelta(days=2)
    )
    await matcher.route(first, again)
    [case] = await matcher.cases(home, signals=2)
    # The same person (BSN) at another address, the same creditor, arrears type and due date:
    # the same debt. Somebody else with that debt's particulars is not.
    elsewhere = routed(household=moved_to, bsn=first.bsn or "", received=NOW - timedelta(days=1))
    stranger = routed(household=namesake, received=NOW - timedelta(days=1))
    await matcher.route(elsewhere, stranger)
    [moved_case] = await matcher.cases(moved_to, signals=1)
    [stranger_case] = await matcher.cases(namesake, signals=1)
    # A later change of the first case announces no repeat again.
    await matcher.route(routed(household=home, vlp="waternet", vlp_type=VlpType.DRINKWATER))
    await matcher.cases(home, signals=3)

    _, repeated, joined = await matcher.events(case["id"])
    assert K.SIGNAL_REPEATED in kinds(repeated)
    [fact] = [s for s in repeated.state.signals if s.signal_id == again.signal.signal_id]
    assert (fact.repeat_of, fact.repeat_kind) == (first.signal.signal_id, RepeatKind.SAME_OPEN_CASE)
    assert repeated.state.offer_owed
    # The repeat's amount replaces the debt's, it adds none.
    arrears = {p.name: p.measured for p in repeated.state.priority.parts}["total_arrears"]
    assert arrears == Decimal("530.00")
    assert K.SIGNAL_REPEATED not in kinds(joined)
    [moved] = await matcher.events(moved_case["id"])
    [fact] = moved.state.signals
    assert (fact.repeat_of, fact.repeat_kind) == (first.signal.signal_id, RepeatKind.SAME_DEBT)
    assert moved.state.offer_owed is False
    [unrelated] = await matcher.events(stranger_case["id"])
    assert unrelated.state.signals[0].repeat_of is None
    assert unrelated.state.offer_owed

    told = [r for r in await matcher.repeats() if r.case_id in (case["id"], moved_case["id"])]
    assert sorted((r.signal_id, r.repeat_kind, r.vlp_reference) for r in told) == sorted(
        [
            (again.signal.signal_id, RepeatKind.SAME_OPEN_CASE, again.signal.vlp_reference),
            (elsewhere.signal.signal_id, RepeatKind.SAME_DEBT, elsewhere.signal.vlp_reference),
        ]
    )
    # feedback tells the creditor NIET_OPGEPAKT HERHAALD_SIGNAAL for the repeats only.
    worker = staff_headers(matcher.platform, "vroegsignaleerder-0363")

    def feedback(signal_id: UUID) -> list[tuple[str, str]]:
        url = f"{matcher.platform['feedback'].url}/v1/signalen/{signal_id}/terugkoppelingen"
        return [(f["feedbackType"], f["reason"]) for f in httpx.get(url, headers=worker).json()]

    for repeat in (again, elsewhere):
        found = await eventually(
            lambda r=repeat: asyncio.to_thread(feedback, r.signal.signal_id), lambda f: f != []
        )
        assert found == [("NIET_OPGEPAKT", "HERHAALD_SIGNAAL")]
    assert feedback(first.signal.signal_id) == []
    assert feedback(stranger.signal.signal_id) == []


@pytest.mark.xfail(
    strict=True,
    reason="a late signal restates its own household's cases only, not the person's cases at "
    "another address: whether a signal is a repeat there depends on the arrival order",
)
async def test_r_in_5_a_late_signal_makes_the_same_debt_at_the_person_s_new_address_a_repeat(
    matcher: MatcherUnderTest,
) -> None:
    old_home, new_home = household(), household()
    later = routed(household=new_home, received=NOW - timedelta(days=1))
    await matcher.route(later)
    [case] = await matcher.cases(new_home, signals=1)
    earlier = routed(household=old_home, bsn=later.bsn or "", received=NOW - timedelta(days=20))
    await matcher.route(earlier)
    await matcher.cases(old_home, signals=1)
    await matcher.sent()
    last = (await matcher.events(case["id"]))[-1]
    assert last.state.signals[0].repeat_kind is RepeatKind.SAME_DEBT
    assert last.state.offer_owed is False


async def test_r_fu_3_how_to_reach_the_resident_goes_to_followup_apart_from_the_lean_facts(
    matcher: MatcherUnderTest,
) -> None:
    home = household()
    first = routed(household=home, received=NOW - timedelta(days=1))
    first = first.model_copy(
        update={
            "signal": first.signal.model_copy(
                update={
                    "debtor": Person(
                        voornamen="Jeroen", voorvoegsel="van 't", geslachtsnaam="Hoff"
                    ),
                    "address": Address(
                        straat="Ĳsselstraat",
                        huisnummer=12,
                        huisletter="b",
                        toevoeging="2",
                        postcode="1011AB",
                        woonplaats="Amsterdam",
                    ),
                    "phone": "0612345678",
                }
            )
        }
    )
    water = routed(household=home, vlp="vitens", vlp_type=VlpType.DRINKWATER)
    water = water.model_copy(
        update={"signal": water.signal.model_copy(update={"email": "j@example.nl"})}
    )
    await matcher.route(first)
    [case] = await matcher.cases(home, signals=1)
    await matcher.route(water)
    await matcher.cases(home, signals=2)
    told = sorted(
        (
            e
            for e in await read_events(
                matcher.iso.kafka, matcher.iso.topic(CASE_CONTACTS.name), expect=0, settle=0.3
            )
            if isinstance(e, CaseContactsChanged) and e.case_id == case["id"]
        ),
        key=lambda e: e.version,
    )
    assert [(e.version, e.name, e.address_lines, e.phone, e.email) for e in told] == [
        (1, "Jeroen van 't Hoff", ("Ĳsselstraat 12b-2", "1011 AB  AMSTERDAM"), "0612345678", None),
        # The newest signal's name and address; the phone of the one before it.
        (2, "Jansen", ("1", "1012 AB"), "0612345678", "j@example.nl"),
    ]
    # The lean facts stay lean.
    for event in await matcher.events(case["id"]):
        assert "Hoff" not in event.model_dump_json()
        assert "0612345678" not in event.model_dump_json()
