"""reporting: the lean facts the indicators are computed from, one row per thing (signal,
route, case, attempt, outcome, deadline, SHV handling), each kept at its latest state so a
redelivered or out-of-order fact changes nothing; the old running counters go (they counted a
reviewed signal twice and were fed personal data).

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.drop_table("counters")
    op.create_table(
        "signal_facts",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("vlp_id", sa.String, nullable=False),
        sa.Column("vlp_type", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("arrears_type", sa.String, nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("postcode_area", sa.String(4), nullable=False),
        sa.Column("age_band", sa.String, nullable=True),
        sa.Column("phone_present", sa.Boolean, nullable=False),
        sa.Column("email_present", sa.Boolean, nullable=False),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("refusal", sa.String, nullable=True),
    )
    op.create_index("signal_facts_by_month", "signal_facts", ["municipality", "received_on"])
    op.create_table(
        "route_facts",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("route", sa.String, nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("debt_help", sa.String, nullable=True),
        sa.Column("age_band", sa.String, nullable=True),
        sa.Column("household_size", sa.Integer, nullable=True),
        sa.Column("minors_present", sa.Boolean, nullable=True),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("crisis", sa.Boolean, nullable=False),
        sa.Column("signals", sa.Integer, nullable=False),
        sa.Column("debt_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("household_size", sa.Integer, nullable=True),
        sa.Column("minors_present", sa.Boolean, nullable=True),
        sa.Column("postcode_area", sa.String(4), nullable=False),
        sa.Column("recidive", sa.Boolean, nullable=False),
        sa.Column("consecutive", sa.Boolean, nullable=False),
        sa.Column("previous_outcome", sa.String, nullable=True),
    )
    op.create_index("cases_by_month", "cases", ["municipality", "opened_on"])
    op.create_table(
        "attempts",
        sa.Column("attempt_id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("attempted_on", sa.Date, nullable=False),
        sa.Column("reached", sa.Boolean, nullable=False),
        sa.Column("automatic", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("attempts_by_month", "attempts", ["municipality", "attempted_on"])
    op.create_table(
        "outcomes",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("category", sa.String, nullable=True),
        sa.Column("detail", sa.String, nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "deadlines",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("due_date", sa.Date, nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("met_on_time", sa.Boolean, nullable=True),
        sa.Column("missed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("due_soon", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "intermediate_results",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("reached", sa.Boolean, nullable=False),
    )
    op.create_table(
        "debt_help_handled",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("category", sa.String, nullable=False),
        sa.Column("detail", sa.String, nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
    )
