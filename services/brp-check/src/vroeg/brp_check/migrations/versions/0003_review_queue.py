"""brp-check: the review queue (uitval, R-BRP-5) and the audit log of staff reads and decisions.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("arrears_type", sa.String, nullable=False),
        sa.Column("vlp_type", sa.String, nullable=False),
        sa.Column("signal", JSONB),
        sa.Column("candidate_bsns", JSONB),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.String),
        sa.Column("choice", sa.String),
        sa.Column("chosen_bsn", sa.String(9)),
        sa.Column("explanation", sa.Text),
        sa.Column("route", sa.String),
    )
    # The queue: a municipality's open items, oldest first.
    op.create_index(
        "reviews_open",
        "reviews",
        ["municipality", "queued_at", "signal_id"],
        postgresql_where=sa.text("decided_at IS NULL"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String, nullable=False),
        sa.Column("action", sa.String, nullable=False),
        sa.Column("signal_id", sa.Uuid, nullable=False),
        sa.Column("details", JSONB, nullable=False),
    )
    op.create_index("audit_log_signal", "audit_log", ["signal_id"])
