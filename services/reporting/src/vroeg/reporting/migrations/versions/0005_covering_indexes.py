"""reporting: covering indexes for the indicators' queries.

A municipality's facts of a period lie spread over the whole of each table (facts arrive
interleaved across the country), so every indicator's bitmap heap scan visited nearly every
page of the table however small the municipality: about a second per municipality-year for
the ~30 queries together, at best. Each index below holds the columns the catalogue's queries
read, so they become index-only scans over the municipality's own slice (and join lookups
read the index only). Figures do not change: only how the rows are found.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"

# (table, index, key columns, included columns)
_COVERING = (
    (
        "signal_facts",
        "signal_facts_by_month",
        ["municipality", "received_on"],
        [
            "signal_id",
            "refusal",
            "kind",
            "vlp_id",
            "vlp_type",
            "age_band",
            "phone_present",
            "email_present",
        ],
    ),
    ("route_facts", "route_facts_covering", ["signal_id"], ["route", "age_band"]),
    (
        "cases",
        "cases_by_month",
        ["municipality", "opened_on"],
        [
            "case_id",
            "status",
            "crisis",
            "signals",
            "debt_amount",
            "household_size",
            "minors_present",
            "postcode_area",
            "recidive",
            "consecutive",
            "previous_outcome",
        ],
    ),
    ("attempts", "attempts_by_month", ["municipality", "attempted_on"], ["kind", "reached"]),
    ("attempts", "attempts_by_case", ["case_id"], ["kind", "reached"]),
    ("outcomes", "outcomes_covering", ["case_id"], ["category", "detail"]),
    (
        "deadlines",
        "deadlines_covering",
        ["case_id"],
        ["due_date", "met_on_time", "missed", "due_soon"],
    ),
    ("intermediate_results", "intermediate_results_covering", ["case_id"], ["reached"]),
)
# The plain indexes the covering ones replace.
_REPLACED = ("signal_facts_by_month", "cases_by_month", "attempts_by_month", "ix_attempts_case_id")


def upgrade() -> None:
    for name in _REPLACED:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for table, name, keys, included in _COVERING:
        op.create_index(name, table, keys, postgresql_include=included)
