"""The matcher as a process mirrors followup's closing and reopening (R-FU-4, §8.8.2): a closed
case takes no new signal, the next case is recidive with its outcome (R-MAT-3), a late signal
corrects later cases, a signal that joined after the closing moves to a new case, a reopened
case takes signals again, and a closing and a reopening handled at once end as the later of
them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from tests.support.cases import MatcherUnderTest, household, kinds, routed
from tests.support.db import asyncpg_url, eventually, fetch
from vroeg.shared.events import (
    CaseChangeKind,
    CaseOpened,
    CaseStatus,
    CaseUpdated,
    OutcomeCategory,
    OutcomeDetail,
    RepeatKind,
    VlpType,
)

K = CaseChangeKind
NOW = datetime.now(UTC)


async def test_r_mat_3_a_closed_case_takes_no_new_signal_the_next_is_recidive_with_its_outcome(
    matcher: MatcherUnderTest,
) -> None:
    recent, longer_ago = household(), household()  # 45 days: consecutive; 120: recidive only
    old = {
        recent: routed(household=recent, received=NOW - timedelta(days=45)),
        longer_ago: routed(household=longer_ago, received=NOW - timedelta(days=120)),
    }
    await matcher.route(*old.values())
    first = {home: (await matcher.cases(home, signals=1))[0] for home in old}
    for home, case in first.items():
        await matcher.close(
            case["id"],
            [old[home].signal.signal_id],
            category=OutcomeCategory.NIET_BEREIKT,
            detail=OutcomeDetail.GEEN_CONTACT,
        )
    for case in first.values():
        closed = await matcher.status(case["id"], CaseStatus.CLOSED)
        assert closed["accepting"] is False
        assert (closed["outcome"], closed["outcome_detail"]) == ("NIET_BEREIKT", "GEEN_CONTACT")
        last = (await matcher.events(case["id"]))[-1]
        assert kinds(last) == {K.CLOSED}
        assert last.state.status is CaseStatus.CLOSED
    new = {
        home: routed(household=home, vlp="waternet", vlp_type=VlpType.DRINKWATER) for home in old
    }
    await matcher.route(*new.values())

    for home, case in first.items():
        earlier, later = await matcher.cases(home, signals=2)
        assert earlier["id"] == case["id"]
        assert earlier["signal_ids"] == [old[home].signal.signal_id]
        assert later["signal_ids"] == [new[home].signal.signal_id]
        assert later["accepting"]
        [opened] = await matcher.events(later["id"])
        assert isinstance(opened, CaseOpened)
        assert opened.moved_from is None
        assert (opened.state.recidive, opened.state.consecutive) == (True, home == recent)
        previous = opened.state.previous_case
        assert previous is not None
        assert (previous.case_id, previous.last_received_at) == (
            case["id"],
            old[home].signal.received_at,
        )
        assert (previous.outcome, previous.outcome_detail) == (
            OutcomeCategory.NIET_BEREIKT,
            OutcomeDetail.GEEN_CONTACT,
        )


async def test_r_mat_3_a_late_signal_makes_the_later_case_of_the_address_recidive_and_says_so(
    matcher: MatcherUnderTest,
) -> None:
    home = household()
    later = routed(household=home, received=NOW - timedelta(days=10))
    await matcher.route(later)
    [case] = await matcher.cases(home, signals=1)
    await matcher.close(case["id"], [later.signal.signal_id])
    await matcher.status(case["id"], CaseStatus.CLOSED)
    # Received a month before that case opened, delivered only now (a review took that long).
    late = routed(
        household=home,
        vlp="waternet",
        vlp_type=VlpType.DRINKWATER,
        received=NOW - timedelta(days=40),
    )
    await matcher.route(late)

    earlier, corrected = await matcher.cases(home, signals=2)
    assert earlier["signal_ids"] == [late.signal.signal_id]
    assert corrected["id"] == case["id"]
    [opened] = await matcher.events(earlier["id"])
    assert not opened.state.recidive
    updated = (await matcher.events(case["id"]))[-1]
    assert isinstance(updated, CaseUpdated)
    [change] = [c for c in updated.changes if c.kind is K.RECIDIVE_CHANGED]
    assert str(late.signal.signal_id) in change.why
    assert (updated.state.recidive, updated.state.consecutive) == (True, True)
    assert updated.state.previous_case is not None
    assert updated.state.previous_case.case_id == earlier["id"]
    assert updated.state.status is CaseStatus.CLOSED
    assert corrected["state"]["recidive"] is True


async def test_r_in_5_a_late_signal_makes_a_later_signal_of_an_earlier_opened_case_a_repeat(
    matcher: MatcherUnderTest,
) -> None:
    home = household()
    water = routed(
        household=home,
        vlp="waternet",
        vlp_type=VlpType.DRINKWATER,
        received=NOW - timedelta(days=30),
    )
    rent = routed(household=home, received=NOW - timedelta(days=10))
    await matcher.route(water, rent)
    [case] = await matcher.cases(home, signals=2)
    await matcher.close(case["id"], [water.signal.signal_id, rent.signal.signal_id])
    await matcher.status(case["id"], CaseStatus.CLOSED)
    # The same rent debt, received between the two, delivered after the closing: a new case.
    late = routed(household=home, bsn=rent.bsn or "", received=NOW - timedelta(days=20))
    await matcher.route(late)
    await matcher.cases(home, signals=3)
    last = (await matcher.events(case["id"]))[-1]
    assert K.SIGNAL_REPEATED in kinds(last)
    [fact] = [s for s in last.state.signals if s.signal_id == rent.signal.signal_id]
    assert (fact.repeat_of, fact.repeat_kind) == (late.signal.signal_id, RepeatKind.SAME_DEBT)
    assert [r.repeat_of for r in await matcher.repeats() if r.case_id == case["id"]] == [
        late.signal.signal_id
    ]


async def test_r_mat_2_a_signal_that_joined_after_the_closing_moves_to_a_new_case(
    matcher: MatcherUnderTest,
) -> None:
    home = household()
    first = routed(household=home, received=NOW - timedelta(days=5))
    racing = routed(
        household=home,
        vlp="waternet",
        vlp_type=VlpType.DRINKWATER,
        received=NOW - timedelta(days=1),
    )
    await matcher.route(first, racing)
    [case] = await matcher.cases(home, signals=2)
    # followup closed the case with the one signal it knew of.
    await matcher.close(case["id"], [first.signal.signal_id])
    await matcher.status(case["id"], CaseStatus.CLOSED)

    old, new = await matcher.cases(home, signals=2)
    assert (old["id"], old["signal_ids"]) == (case["id"], [first.signal.signal_id])
    assert new["signal_ids"] == [racing.signal.signal_id]
    assert (new["status"], new["accepting"]) == ("OPEN", True)
    [opened] = await matcher.events(new["id"])
    assert isinstance(opened, CaseOpened)
    assert opened.moved_from == case["id"]
    assert (opened.state.recidive, opened.state.consecutive) == (True, True)
    assert opened.state.opened_at == racing.signal.received_at
    closed = (await matcher.events(case["id"]))[-1]
    assert isinstance(closed, CaseUpdated)
    assert {K.SIGNAL_MOVED_OUT, K.CLOSED} <= kinds(closed)
    [moved] = [c for c in closed.changes if c.kind is K.SIGNAL_MOVED_OUT]
    assert moved.signal_id == racing.signal.signal_id
    assert [s.signal_id for s in closed.state.signals] == [first.signal.signal_id]
    # The household's next signal joins the new case.
    await matcher.route(routed(household=home, vlp="eneco", vlp_type=VlpType.ENERGIE))
    _, joined = await matcher.cases(home, signals=3)
    assert joined["id"] == new["id"]


async def test_a_reopened_case_takes_signals_again(matcher: MatcherUnderTest) -> None:
    home = household()
    first = routed(household=home, received=NOW - timedelta(days=20))
    await matcher.route(first)
    [case] = await matcher.cases(home, signals=1)
    await matcher.close(case["id"], [first.signal.signal_id])
    await matcher.status(case["id"], CaseStatus.CLOSED)
    await matcher.reopen(case["id"])

    reopened = await matcher.status(case["id"], CaseStatus.OPEN)
    assert reopened["accepting"]
    assert (reopened["closed_at"], reopened["outcome"]) == (None, None)
    last = (await matcher.events(case["id"]))[-1]
    assert kinds(last) == {K.REOPENED}
    assert last.state.status is CaseStatus.OPEN
    await matcher.route(routed(household=home, vlp="waternet", vlp_type=VlpType.DRINKWATER))
    [same] = await matcher.cases(home, signals=2)
    assert same["id"] == case["id"]


async def test_a_reopening_of_a_case_that_is_open_leaves_it_taking_signals(
    matcher: MatcherUnderTest,
) -> None:
    # followup's reopening and closing come on two topics: the matcher may see a reopening
    # before the closing it undoes, or twice.
    home = household()
    await matcher.route(routed(household=home))
    [case] = await matcher.cases(home, signals=1)
    await matcher.handled(await matcher.reopen(case["id"]))
    await matcher.route(routed(household=home, vlp="waternet", vlp_type=VlpType.DRINKWATER))
    [same] = await matcher.cases(home, signals=2)
    assert (same["id"], same["status"], same["accepting"]) == (case["id"], "OPEN", True)


async def test_a_reopening_handled_before_the_closing_it_undoes_leaves_the_case_open(
    matcher: MatcherUnderTest,
) -> None:
    home = household()
    first = routed(household=home)
    await matcher.route(first)
    [case] = await matcher.cases(home, signals=1)
    closed_at = datetime.now(UTC)
    await matcher.handled(await matcher.reopen(case["id"]))
    await matcher.handled(
        await matcher.close(case["id"], [first.signal.signal_id], closed_at=closed_at)
    )
    [row] = await fetch(
        matcher.iso.database_url,
        "SELECT status, accepting FROM matcher.cases WHERE id = $1",
        case["id"],
    )
    assert (row["status"], row["accepting"]) == ("OPEN", True)


@pytest.mark.parametrize("first_to_wait", ["reopening", "closing"])
async def test_a_closing_and_a_reopening_handled_at_once_leave_the_latest_of_them(
    matcher: MatcherUnderTest, first_to_wait: str
) -> None:
    # followup closed the case, reopened it and closed it again. The reopening and the second
    # closing come on two topics, so two of the matcher's workers handle them at once: each
    # reads the case, then waits for the household's lock while another transaction (here the
    # test) works on it. Whichever goes first, the second must see what the first wrote: the
    # case ends closed with the second outcome (the CBS export counts it, domain §9), and
    # reporting, which keeps the case's highest version, sees it closed too.
    home = household()
    first = routed(household=home)
    await matcher.route(first)
    [case] = await matcher.cases(home, signals=1)
    await matcher.handled(await matcher.close(case["id"], [first.signal.signal_id]))
    reopened_at = datetime.now(UTC)
    closed_again_at = reopened_at + timedelta(seconds=1)
    publish = {
        "reopening": lambda: matcher.reopen(case["id"], reopened_at=reopened_at),
        "closing": lambda: matcher.close(
            case["id"],
            [first.signal.signal_id],
            category=OutcomeCategory.WIL_GEEN_HULP,
            detail=OutcomeDetail.ZELF_GEREGELD,
            closed_at=closed_again_at,
        ),
    }
    lock = await asyncpg.connect(asyncpg_url(matcher.iso.database_url))
    events = []
    try:
        async with lock.transaction():
            await lock.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"matcher:0363:aoid:{home}"
            )
            # The lock goes to its waiters in the order they came.
            for waiting, name in enumerate(sorted(publish, key=lambda n: n != first_to_wait), 1):
                events.append(await publish[name]())
                found = await _waiting_for(lock, home, waiting)
                assert found == waiting, f"the {name} waits for the household"
    finally:
        await lock.close()
    for event_id in events:
        await matcher.handled(event_id)

    [row] = await fetch(
        matcher.iso.database_url,
        "SELECT status, accepting, outcome, outcome_detail FROM matcher.cases WHERE id = $1",
        case["id"],
    )
    assert dict(row) == {
        "status": "CLOSED",
        "accepting": False,
        "outcome": "WIL_GEEN_HULP",
        "outcome_detail": "ZELF_GEREGELD",
    }
    # Reporting keeps the case as its last restatement tells it: closed.
    await matcher.sent()
    assert (await matcher.events(case["id"]))[-1].state.status is CaseStatus.CLOSED


async def _waiting_for(connection: asyncpg.Connection, home: str, expected: int) -> int:
    """How many transactions wait for the household's lock, once `expected` do."""

    async def waiting() -> int:
        found: int = await connection.fetchval(
            "WITH k AS (SELECT hashtextextended($1, 0) AS h) "
            "SELECT count(*) FROM pg_locks, k WHERE locktype = 'advisory' AND NOT granted "
            "AND classid::bigint = (h >> 32) & 4294967295 AND objid::bigint = h & 4294967295",
            f"matcher:0363:aoid:{home}",
        )
        return found

    return await eventually(waiting, lambda n: n == expected)


async def test_r_mat_5_a_case_whose_address_is_erased_before_its_signals_is_not_the_household_s(
    matcher: MatcherUnderTest,
) -> None:
    # Retention erases cases and their signals in transactions of their own (R-MAT-5): between
    # them a closed case has no address while its signal still names it. A new signal of the
    # address opens a case of its own; the erased case is no household's any more.
    home = household()
    first = routed(household=home, received=NOW - timedelta(days=45))
    await matcher.route(first)
    [case] = await matcher.cases(home, signals=1)
    await matcher.handled(await matcher.close(case["id"], [first.signal.signal_id]))
    await fetch(
        matcher.iso.database_url,
        "UPDATE matcher.cases SET household_key = NULL WHERE id = $1",
        case["id"],
    )
    new = routed(household=home)
    await matcher.route(new)

    [later] = await matcher.cases(home, signals=1)
    assert later["signal_ids"] == [new.signal.signal_id]
    assert later["accepting"]
    [opened] = await matcher.events(later["id"])
    assert isinstance(opened, CaseOpened)
    assert opened.state.recidive is False
