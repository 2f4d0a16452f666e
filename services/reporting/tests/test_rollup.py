"""The rollup keeps each month's figures; a period is its months added up, and a fact that
changes a month kept already — a late review, a late outcome of a case opened months ago —
makes that month count again, from the facts until the rollup has it anew.

Facts in January and February of this year (the dates need not be past: reporting counts
by the dates the facts carry), so a year holds both months.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.monitor import Figures, get_figures, publish_facts, rolled_up
from tests.support.signals import opened_case
from vroeg.reporting import monitor, rollup
from vroeg.reporting.settings import Settings
from vroeg.shared.db import create_engine, create_sessionmaker
from vroeg.shared.events import (
    AgeBand,
    ArrearsType,
    CaseOpened,
    CaseOutcomeRegistered,
    CaseStatus,
    CaseUpdated,
    Event,
    OutcomeCategory,
    OutcomeDetail,
    Route,
    RouteFact,
    SignalFact,
    SignalKind,
    VlpType,
)
from vroeg.shared.messaging.unit_of_work import Database

pytestmark = pytest.mark.infra

YEAR = datetime.now(UTC).year
JANUARY = datetime(YEAR, 1, 15, 12, tzinfo=UTC)
FEBRUARY = datetime(YEAR, 2, 15, 12, tzinfo=UTC)


def _signal(municipality: str, at: datetime) -> SignalFact:
    return SignalFact(
        municipality=municipality,
        occurred_at=at,
        signal_id=uuid4(),
        vlp_id="woonstad",
        vlp_type=VlpType.HUUR,
        kind=SignalKind.VROEGSIGNAAL,
        arrears_type=ArrearsType.HUUR,
        amount=Decimal("400.00"),
        postcode_area="1012",
        age_band=AgeBand.FROM_27,
        phone_present=True,
        email_present=False,
        received_at=at,
    )


def _route(signal: SignalFact, route: Route) -> RouteFact:
    return RouteFact(
        municipality=signal.municipality,
        occurred_at=signal.received_at,
        signal_id=signal.signal_id,
        route=route,
        reviewed=route is not Route.REVIEW,
        age_band=AgeBand.FROM_27,
        household_size=1,
        minors_present=False,
        routed_at=datetime.now(UTC),
    )


def _closed(case: CaseOpened, category: OutcomeCategory, detail: OutcomeDetail) -> list[Event]:
    """A case's outcome and its closed state (told now, whenever it was opened)."""
    now = datetime.now(UTC)
    closed = case.state.model_copy(update={"version": 2, "status": CaseStatus.CLOSED})
    return [
        CaseOutcomeRegistered(
            municipality=case.municipality,
            occurred_at=now,
            case_id=case.case_id,
            signal_ids=(),
            category=category,
            detail=detail,
            closed_at=now,
        ),
        CaseUpdated(
            municipality=case.municipality,
            occurred_at=now,
            case_id=case.case_id,
            changes=(),
            state=closed,
        ),
    ]


def _picked(found: Figures, expected: Figures) -> Figures:
    return {k: found.get(k) for k in expected}


async def test_a_period_is_its_months_added_up_and_a_late_fact_counts_in_its_own_month(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    users = [
        {
            "username": "analyst-regio",
            "password": "analyst-regio",
            "name": "analyst",
            "roles": ["analyst"],
            "gemeenten": ["0363", "0518"],
        }
    ]
    (tmp_path / "users.json").write_text(json.dumps(users))
    platform = make_platform({"VROEG_REPORTING_ROLLUP_INTERVAL_S": "0.5"})
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(tmp_path / "users.json")
    platform.start(["idp-standin", "reporting"])
    url, analyst = platform["reporting"].url, staff_headers(platform, "analyst-regio")

    january, february, other = (
        _signal("0363", JANUARY),
        _signal("0363", FEBRUARY),
        _signal("0518", FEBRUARY),
    )
    old_case = opened_case(received_at=JANUARY, kind=SignalKind.VROEGSIGNAAL)
    new_case = opened_case(received_at=FEBRUARY, kind=SignalKind.VROEGSIGNAAL)
    await publish_facts(
        isolation,
        [
            january,
            february,
            other,
            _route(january, Route.REVIEW),
            _route(february, Route.DEBT_HELP),
            _route(other, Route.RESIDENT),
            old_case,
            new_case,
            *_closed(new_case, OutcomeCategory.WIL_HULP, OutcomeDetail.QUICK_FIX),
        ],
    )
    year = {
        ("signalen", "0363", None): Decimal(2),
        ("signalen", "regio", None): Decimal(3),
        # A share over the year: each month's whole added up, whether or not the key is in it.
        ("eindroute", "0363", "review"): Decimal("0.5"),
        ("eindroute", "0363", "debt-help"): Decimal("0.5"),
        ("eindroute", "regio", "debt-help"): Decimal("0.3333"),
        ("meldingen", "0363", None): Decimal(2),
        ("uitkomst", "0363", "WIL_HULP"): Decimal(1),
        ("hulpacceptatie", "0363", None): Decimal(1),
    }
    january_only = {
        ("signalen", "0363", None): Decimal(1),
        ("eindroute", "0363", "review"): Decimal(1),
        ("meldingen", "0363", None): Decimal(1),
    }
    # Counted from the facts, then from the rollup: the same.
    assert _picked(await get_figures(url, analyst, str(YEAR)), year) == year
    await rolled_up(isolation)
    kept = await get_figures(url, analyst, str(YEAR))
    assert _picked(kept, year) == year
    assert _picked(await get_figures(url, analyst, f"{YEAR}-01"), january_only) == january_only

    # January's signal reviewed and its case closed, today, and the case's outcome told after
    # the rollup kept the closed case: January's figures change.
    outcome, closed = _closed(old_case, OutcomeCategory.WIL_GEEN_HULP, OutcomeDetail.ZELF_GEREGELD)
    await publish_facts(isolation, [_route(january, Route.RESIDENT), closed])
    await rolled_up(isolation)
    await publish_facts(isolation, [outcome])
    later = {
        ("signalen", "0363", None): Decimal(2),
        ("eindroute", "0363", "resident"): Decimal("0.5"),
        ("eindroute", "0363", "review"): None,
        ("eindroute", "regio", "resident"): Decimal("0.6667"),
        ("uitkomst", "0363", "WIL_HULP"): Decimal("0.5"),
        ("uitkomst", "0363", "WIL_GEEN_HULP"): Decimal("0.5"),
        ("hulpacceptatie", "0363", None): Decimal("0.5"),
    }
    january_later = {
        ("eindroute", "0363", "resident"): Decimal(1),
        ("eindroute", "0363", "review"): None,
        ("uitkomst", "0363", "WIL_GEEN_HULP"): Decimal(1),
    }
    # Whichever a request finds — January stale, counted from the facts, or the rollup's
    # January kept anew — the late facts count, in January.
    for _ in range(2):
        assert _picked(await get_figures(url, analyst, str(YEAR)), later) == later
        assert _picked(await get_figures(url, analyst, f"{YEAR}-01"), january_later) == (
            january_later
        )
        await rolled_up(isolation)

    # Every by-month indicator, every key: the rollup's year equals the facts' year. (The
    # service stopped, so its job keeps no month while every month is marked stale.)
    platform["reporting"].stop()
    settings = Settings.model_validate(isolation.env())
    engine = create_engine(settings, schema="reporting", service="test")
    try:
        async with create_sessionmaker(engine)() as session:
            kept = await _year(session)
            await session.execute(
                sa.text(
                    "INSERT INTO stale_months (municipality, month) SELECT m, make_date(:y, k, 1) "
                    "FROM unnest(ARRAY['0363', '0518']) AS m, generate_series(1, 12) AS k"
                ),
                {"y": YEAR},
            )
            counted = await _year(session)
    finally:
        await engine.dispose()
    assert len({name for name, *_ in kept}) > 20
    assert kept == counted


async def test_a_month_that_goes_stale_again_meanwhile_waits_for_the_next_run(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    """Each run of the rollup refreshes a stale month once: in a national month facts keep
    coming, and refreshed back to back until none came, the month's every fact was counted
    again and again. The marks written meanwhile stay, for the next run; a later stale month
    is refreshed in the same run."""
    platform = make_platform()
    platform.start(["reporting"])  # its schema
    platform.stop()
    settings = Settings.model_validate(
        {"DATABASE_URL": isolation.database_url, "VROEG_ENVIRONMENT": "test"}
    )
    engine = create_engine(settings, schema="reporting", service="reporting")
    sessions = create_sessionmaker(engine)
    month, later = JANUARY.date().replace(day=1), FEBRUARY.date().replace(day=1)
    mark = sa.text("INSERT INTO stale_months (municipality, month) VALUES ('0363', :month)")
    marking = asyncio.Event()

    async def facts_keep_coming() -> None:
        while not marking.is_set():
            async with sessions() as session, session.begin():
                await session.execute(mark, {"month": month})
            await asyncio.sleep(0.005)

    try:
        async with sessions() as session, session.begin():
            await session.execute(mark, [{"month": month}, {"month": later}])
        facts = asyncio.create_task(facts_keep_coming())
        try:
            database = Database(sessions, service="reporting", settings=settings)
            refreshed = await asyncio.wait_for(rollup.refresh(database), 10)
        finally:
            marking.set()
            await facts
        assert refreshed == 2
        async with sessions() as session:
            stale = sa.text("SELECT count(*) FROM stale_months WHERE month = :month")
            assert await session.scalar(stale, {"month": month}) > 0
            assert await session.scalar(stale, {"month": later}) == 0
    finally:
        await engine.dispose()


async def _year(session: AsyncSession) -> list[tuple[object, ...]]:
    values = await monitor.compute(session, ["0363", "0518"], monitor.parse_period(str(YEAR)))
    return [(v.indicator.name, v.municipality, v.key, v.numerator, v.denominator) for v in values]
