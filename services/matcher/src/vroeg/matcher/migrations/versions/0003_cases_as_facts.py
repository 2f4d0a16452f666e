"""matcher: cases built from their signals' facts (issue 9): repeats, recidive, priority, the
closed-case mirror, priority policies, the audit log and retention.

The walking skeleton's two tables kept too little to rebuild a case from (no amounts, dates,
receipts or personal data) and never ran in production, so they are replaced, not converted.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.drop_table("case_signals")
    op.drop_table("cases")
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("household_key", sa.String),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("accepting", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", JSONB, nullable=False),
        sa.Column("opened_at", TIMESTAMP, nullable=False),
        sa.Column("closed_at", TIMESTAMP),
        sa.Column("outcome", sa.String),
        sa.Column("outcome_detail", sa.String),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    # R-MAT-1/2: at most one case per household takes new signals, whatever the concurrency.
    op.create_index(
        "one_open_case_per_household",
        "cases",
        ["municipality", "household_key"],
        unique=True,
        postgresql_where=sa.text("accepting"),
    )
    op.create_index("cases_household", "cases", ["municipality", "household_key", "opened_at"])
    op.create_index(
        "cases_retention", "cases", ["closed_at"], postgresql_where="household_key IS NOT NULL"
    )
    op.create_table(
        "case_signals",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("household_key", sa.String),
        sa.Column("vlp_id", sa.String, nullable=False),
        sa.Column("vlp_type", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("arrears_type", sa.String, nullable=False),
        sa.Column("route", sa.String, nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("signal_date", sa.Date, nullable=False),
        sa.Column("oldest_due_date", sa.Date, nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("postcode_area", sa.String(4), nullable=False),
        sa.Column("business", sa.Boolean, nullable=False),
        sa.Column("household_size", sa.Integer),
        sa.Column("minors_present", sa.Boolean),
        sa.Column("bsn", sa.String(9)),
        sa.Column("vlp_reference", sa.String),
        sa.Column("data", JSONB),
        sa.Column("repeat_announced", sa.Boolean, nullable=False),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.Column("case_closed_at", TIMESTAMP),
    )
    # R-MAT-3 and R-IN-5 look back over the address's, and the person's, earlier signals.
    op.create_index(
        "case_signals_household", "case_signals", ["municipality", "household_key", "received_at"]
    )
    op.create_index(
        "case_signals_person",
        "case_signals",
        ["municipality", "bsn", "received_at"],
        postgresql_where="bsn IS NOT NULL",
    )
    op.create_index(
        "case_signals_retention",
        "case_signals",
        ["case_closed_at"],
        postgresql_where="data IS NOT NULL",
    )
    op.create_table(
        "priority_policies",
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("weights", JSONB, nullable=False),
        sa.Column("vulnerable_areas", JSONB, nullable=False),
        sa.Column("saved_at", TIMESTAMP, nullable=False),
        sa.Column("saved_by", sa.String, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("case_id", sa.Uuid),
        sa.Column("details", JSONB, nullable=False),
    )
