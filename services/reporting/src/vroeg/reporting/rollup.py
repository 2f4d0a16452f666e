"""The by-month indicators kept per municipality and month, so a period's figures are its
months added up instead of every fact of the period counted again on each request.

A month's figures are the catalogue's own query run over that month, by PostgreSQL straight
into the table (the catalogue stays the one definition); the fact tables' triggers (migration
0007) mark a month stale in the same transaction as any change to a fact counting in it, and
`monitor.compute` counts stale months from the facts. This job brings stale months up to date,
the earliest first, one month (all its stale municipalities together) per transaction. Its
marks are taken before the figures are computed, so a fact arriving meanwhile leaves its month
stale for the next turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from vroeg.reporting import repository
from vroeg.reporting.indicators import CATALOGUE, Indicator
from vroeg.reporting.settings import Settings
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.service import Resources
from vroeg.shared.supervision import PeriodicJob

# The fact tables whose changes mark their months stale (migration 0007's triggers): a
# by-month indicator reads these alone.
TRACKED = frozenset(
    {
        "signal_facts",
        "route_facts",
        "cases",
        "attempts",
        "outcomes",
        "deadlines",
        "intermediate_results",
        "debt_help_handled",
        "forwards",
    }
)


async def refresh(database: Database, indicators: Sequence[Indicator] = CATALOGUE) -> int:
    """Bring every stale month up to date, each once; how many months it refreshed.

    A month that goes stale again while this runs waits for the next run: in a busy month
    facts keep coming, and refreshed back to back until none came, its every fact was counted
    again and again (most of PostgreSQL's work in a national month)."""
    monthly = [i for i in indicators if i.by_month]
    refreshed = 0
    last: date | None = None
    while True:
        async with database.unit_of_work() as uow:
            stale = await repository.take_stale_month(uow.session, after=last)
            if stale is None:
                return refreshed
            last, municipalities = stale
            await repository.keep_figures(
                uow.session, last, municipalities, [(i.name, i.query) for i in monthly]
            )
        refreshed += 1


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """The rollup's refresh, every `VROEG_REPORTING_ROLLUP_INTERVAL_S`."""

    async def run(database: Database) -> int:
        return await refresh(database)

    return [PeriodicJob("rollup", settings.rollup_interval_s, run)]
