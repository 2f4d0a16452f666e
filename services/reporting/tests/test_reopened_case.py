"""A reopened case counts no outcome until it is closed again (§8.8.2, R-FU-4), as the CBS
export shows it: followup's `CaseReopened` reaches reporting as the matcher's `CaseUpdated`
(the case open again, a higher state version), a lean fact; the reopening itself, with its
free-text reason, is no topic reporting may read (contracts.md). The outcome of the earlier
closing stays in reporting's rows; the monitor counts a case's outcome only while the case is
closed.

A case opened in January of this year (so the rollup keeps that month, and a reopening
today must make January count again): closed WIL_HULP, reopened, closed again WIL_GEEN_HULP.
The facts as they happened, or newest first and each twice (a reopening handled before the
closing it undoes), give the same figures at each step, from the facts and from the rollup,
and `vroeg reporting rebuild` gives them again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.monitor import (
    Figures,
    get_figures,
    publish_facts,
    rebuild,
    rolled_up,
    twice_reversed,
)
from tests.support.signals import opened_case
from vroeg.shared.events import (
    CaseChange,
    CaseChangeKind,
    CaseOpened,
    CaseOutcomeRegistered,
    CaseStatus,
    CaseUpdated,
    Event,
    OutcomeCategory,
    OutcomeDetail,
    SignalKind,
)
from vroeg.shared.topics import CASE_REOPENED, consumed_by

pytestmark = pytest.mark.infra

YEAR = datetime.now(UTC).year
JANUARY = datetime(YEAR, 1, 15, 12, tzinfo=UTC)
PERIOD = f"{YEAR}-01"
HOUR = timedelta(hours=1)
# What the monitor shows for January, for 0363.
PICKED = (
    ("meldingen", "0363", None),
    ("uitkomst", "0363", "WIL_HULP"),
    ("uitkomst", "0363", "WIL_GEEN_HULP"),
    ("hulpacceptatie", "0363", None),
)
CLOSED_WIL_HULP: Figures = dict(
    zip(PICKED, (Decimal(1), Decimal(1), None, Decimal(1)), strict=True)
)
# Open again: the case counts, its earlier outcome does not (nor does it count as closed).
REOPENED: Figures = dict(zip(PICKED, (Decimal(1), None, None, None), strict=True))
CLOSED_AGAIN: Figures = dict(zip(PICKED, (Decimal(1), None, Decimal(1), Decimal(0)), strict=True))


def _updated(case: CaseOpened, version: int, status: CaseStatus, at: datetime) -> CaseUpdated:
    """The matcher's restatement of the case after followup closed or reopened it."""
    kind = CaseChangeKind.CLOSED if status is CaseStatus.CLOSED else CaseChangeKind.REOPENED
    return CaseUpdated(
        municipality=case.municipality,
        occurred_at=at,
        case_id=case.case_id,
        changes=(CaseChange(kind=kind, why=f"the case is {status.value.lower()}"),),
        state=case.state.model_copy(update={"version": version, "status": status}),
    )


def _closed(
    case: CaseOpened,
    version: int,
    category: OutcomeCategory,
    detail: OutcomeDetail,
    at: datetime,
) -> list[Event]:
    """followup's outcome, and the matcher's closed case it makes."""
    outcome = CaseOutcomeRegistered(
        municipality=case.municipality,
        occurred_at=at,
        case_id=case.case_id,
        signal_ids=tuple(s.signal_id for s in case.state.signals),
        category=category,
        detail=detail,
        closed_at=at,
    )
    return [outcome, _updated(case, version, CaseStatus.CLOSED, at)]


def _arranged(events: Sequence[Event], order: str) -> list[Event]:
    if order == "as-they-happened":
        return list(events)
    return twice_reversed(events)


@pytest.mark.parametrize("order", ["as-they-happened", "reversed-each-twice"])
async def test_a_reopened_case_counts_no_outcome_until_it_is_closed_again(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path, order: str
) -> None:
    # The reopening's own topic carries personal data (the reason): reporting reads the
    # matcher's lean restatement of the case instead.
    assert CASE_REOPENED not in consumed_by("reporting")
    users = [
        {
            "username": "analyst",
            "password": "analyst",
            "name": "analyst",
            "roles": ["analyst"],
            "gemeenten": ["0363"],
        }
    ]
    (tmp_path / "users.json").write_text(json.dumps(users))
    platform = make_platform({"VROEG_REPORTING_ROLLUP_INTERVAL_S": "0.5"})
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(tmp_path / "users.json")
    platform.start(["idp-standin", "reporting"])
    url, analyst = platform["reporting"].url, staff_headers(platform, "analyst")

    async def january() -> Figures:
        found = await get_figures(url, analyst, PERIOD)
        return {k: found.get(k) for k in PICKED}

    async def shows(expected: Figures) -> None:
        """January as expected, counted from the facts, then from the rollup."""
        assert await january() == expected
        await rolled_up(isolation)
        assert await january() == expected

    now = datetime.now(UTC)
    case = opened_case(received_at=JANUARY, kind=SignalKind.VROEGSIGNAAL)
    first = _closed(case, 2, OutcomeCategory.WIL_HULP, OutcomeDetail.QUICK_FIX, now - HOUR * 2)
    closing = [case, *first]
    await publish_facts(isolation, _arranged(closing, order))
    await shows(CLOSED_WIL_HULP)

    # Reopened: the matcher's restatement, and (newest first) the closing again besides.
    reopening = [_updated(case, 3, CaseStatus.OPEN, now - HOUR)]
    await publish_facts(isolation, _arranged([*closing, *reopening], order))
    await shows(REOPENED)
    assert rebuild(isolation)
    await shows(REOPENED)

    # Closed again: the new outcome counts, the earlier one not.
    closing_again = _closed(
        case, 4, OutcomeCategory.WIL_GEEN_HULP, OutcomeDetail.ZELF_GEREGELD, now
    )
    await publish_facts(isolation, _arranged([*closing, *reopening, *closing_again], order))
    await shows(CLOSED_AGAIN)
    assert rebuild(isolation)
    await shows(CLOSED_AGAIN)
