"""matcher: cases, case signals, outbox, inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from vroeg.shared.migrations import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables()
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("household_key", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("crisis", sa.Boolean, nullable=False),
        sa.Column("flags", JSONB, nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )
    # R-MAT-1/2: at most one open case per household.
    op.create_index(
        "one_open_case_per_household",
        "cases",
        ["municipality", "household_key"],
        unique=True,
        postgresql_where=sa.text("status = 'OPEN'"),
    )
    op.create_table(
        "case_signals",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, sa.ForeignKey("cases.id"), nullable=False, index=True),
        sa.Column("vlp_id", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("arrears_type", sa.String, nullable=False),
        sa.Column("route", sa.String, nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
    )
