"""reporting: the by-month indicators' figures kept per municipality and month, and the months
whose facts changed since.

Every indicator of the catalogue counted over a whole period ran on every request: with a
national year of facts, ~35 queries with joins over the municipality's year took seconds. A
by-month indicator's period is its months added up (each row counts in the month of one date
of its own), so `monthly_figures` keeps each month's result of the catalogue's own query and
a request adds the months up.

A month must not be read from there once a fact changes it. So each fact table gets
statement triggers that, in the same transaction as the change, write the months the changed
rows count in to `stale_months` (an append-only log: no unique key, so concurrent writers
never wait for each other): a signal by its receipt date; a route by its signal's; a case by
its opening date, before and after the change (a merge can move it); an attempt by its own
date and by its case's opening; an outcome, a deadline and an intermediate result by their
case's opening; an SHV handling by its Dutch date; a forward by its decision date. A fact
whose signal or case has not arrived yet marks nothing: that signal's or case's arrival marks
its month. A request computes stale months from the facts; the rollup job refreshes them.
Existing facts all start stale.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

_OF_CASE = "SELECT c.municipality, c.opened_on FROM changed JOIN cases c USING (case_id)"
# Per fact table: (municipality, day) of each month the rows in `changed` count in.
_ATTRIBUTION = {
    "signal_facts": "SELECT municipality, received_on FROM changed",
    "route_facts": "SELECT s.municipality, s.received_on FROM changed "
    "JOIN signal_facts s USING (signal_id)",
    "cases": "SELECT municipality, opened_on FROM changed",
    "attempts": f"SELECT municipality, attempted_on FROM changed UNION ALL {_OF_CASE}",
    "outcomes": _OF_CASE,
    "deadlines": _OF_CASE,
    "intermediate_results": _OF_CASE,
    "debt_help_handled": "SELECT municipality, (handled_at AT TIME ZONE 'Europe/Amsterdam')::date "
    "FROM changed",
    "forwards": "SELECT municipality, decided_on FROM changed",
}
# (trigger suffix, event, which transition table is `changed`)
_EVENTS = (
    ("inserted", "INSERT", "NEW"),
    ("updated_from", "UPDATE", "OLD"),
    ("updated_to", "UPDATE", "NEW"),
    ("deleted", "DELETE", "OLD"),
)


def _mark(select: str) -> str:
    return (
        "INSERT INTO stale_months (municipality, month) "
        "SELECT DISTINCT municipality, date_trunc('month', day)::date "
        f"FROM ({select}) AS attributed (municipality, day)"
    )


def upgrade() -> None:
    op.create_table(
        "stale_months",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("month", sa.Date, nullable=False),
    )
    op.create_index("stale_months_by_month", "stale_months", ["municipality", "month"])
    op.create_table(
        "monthly_figures",
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("month", sa.Date, nullable=False),
        sa.Column("indicator", sa.String, nullable=False),
        sa.Column("key", sa.String, nullable=False),
        sa.Column("numerator", sa.Numeric, nullable=False),
        sa.Column("denominator", sa.Numeric, nullable=True),
    )
    # Covering: a request reads a municipality's months from the index alone.
    op.execute(
        "ALTER TABLE monthly_figures ADD CONSTRAINT monthly_figures_pkey "
        "PRIMARY KEY (municipality, month, indicator, key) INCLUDE (numerator, denominator)"
    )
    for table, select in _ATTRIBUTION.items():
        # SET search_path FROM CURRENT: a writer with another search_path (a bulk load
        # naming `reporting.cases`) still finds reporting's tables.
        op.execute(
            f"CREATE FUNCTION mark_{table}_stale() RETURNS trigger LANGUAGE plpgsql "
            f"SET search_path FROM CURRENT AS $$ BEGIN {_mark(select)}; RETURN NULL; END $$"
        )
        for suffix, event, transition in _EVENTS:
            op.execute(
                f"CREATE TRIGGER {table}_{suffix} AFTER {event} ON {table} "
                f"REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT "
                f"EXECUTE FUNCTION mark_{table}_stale()"
            )
        op.execute(f"WITH changed AS (SELECT * FROM {table}) {_mark(select)}")
