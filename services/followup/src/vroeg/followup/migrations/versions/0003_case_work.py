"""followup: the case's work (issue 10): its lifecycle mirror of the matcher's facts,
deadline announcements, contact attempts, outcomes, notes, circumstances and the audit log.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("case_version", sa.Integer, nullable=False),
        sa.Column("crisis", sa.Boolean, nullable=False),
        sa.Column("flags", JSONB, nullable=False),
        sa.Column("priority_score", sa.Numeric(10, 2), nullable=False),
        sa.Column("signal_ids", JSONB, nullable=False),
        sa.Column("signal_count", sa.Integer, nullable=False),
        sa.Column("offer_owed", sa.Boolean, nullable=False),
        sa.Column("household_size", sa.Integer),
        sa.Column("opened_at", TIMESTAMP, nullable=False),
        sa.Column("closed_at", TIMESTAMP),
        sa.Column("outcome_category", sa.String),
        sa.Column("outcome_detail", sa.String),
        sa.Column("beschermingsbewind", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("curatele", sa.Boolean, nullable=False, server_default="false"),
    )
    # The work queue: a municipality's open cases.
    op.create_index("cases_work_queue", "cases", ["municipality", "status"])
    # Cases the skeleton knew only by their deadline: open, facts unknown until they change.
    op.execute(
        "INSERT INTO cases (case_id, municipality, status, case_version, crisis, flags, "
        "priority_score, signal_ids, signal_count, offer_owed, opened_at) "
        "SELECT case_id, municipality, 'OPEN', 0, crisis, '[]', 0, '[]', 0, true, "
        "opened_on::timestamptz FROM first_contact_deadlines"
    )
    op.add_column("first_contact_deadlines", sa.Column("due_soon_on", sa.Date))
    op.execute("UPDATE first_contact_deadlines SET due_soon_on = due_date")
    op.alter_column("first_contact_deadlines", "due_soon_on", nullable=False)
    op.add_column("first_contact_deadlines", sa.Column("due_soon_sent_at", TIMESTAMP))
    op.add_column("first_contact_deadlines", sa.Column("missed_sent_at", TIMESTAMP))
    op.add_column("first_contact_deadlines", sa.Column("met_on", sa.Date))
    # The scheduler's two questions, each over the few deadlines still open for it.
    op.create_index(
        "deadlines_due_soon",
        "first_contact_deadlines",
        ["due_soon_on"],
        postgresql_where="due_soon_sent_at IS NULL AND met_on IS NULL",
    )
    op.create_index(
        "deadlines_missed",
        "first_contact_deadlines",
        ["due_date"],
        postgresql_where="missed_sent_at IS NULL AND met_on IS NULL",
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.case_id"), nullable=False, index=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("attempted_on", sa.Date, nullable=False),
        sa.Column("part_of_day", sa.String),
        sa.Column("result", sa.String, nullable=False),
        sa.Column("automatic", sa.Boolean, nullable=False),
        sa.Column("replied_on", sa.Date),
        sa.Column("registered_by", sa.String, nullable=False),
        sa.Column("registered_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.case_id"), nullable=False, index=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("category", sa.String),
        sa.Column("detail", sa.String, nullable=False),
        sa.Column("reason", sa.String),
        sa.Column("consent_recorded_by", sa.String),
        sa.Column("consent_on", sa.Date),
        sa.Column("consent_how", sa.String),
        sa.Column("registered_by", sa.String, nullable=False),
        sa.Column("registered_at", TIMESTAMP, nullable=False),
        sa.Column("closed_at", TIMESTAMP),
    )
    op.create_table(
        "notes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.case_id"), nullable=False, index=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("text", sa.String),
        sa.Column("written_by", sa.String, nullable=False),
        sa.Column("written_at", TIMESTAMP, nullable=False),
        sa.Column("case_closed_at", TIMESTAMP),
    )
    op.create_index(
        "notes_retention", "notes", ["case_closed_at"], postgresql_where="text IS NOT NULL"
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
