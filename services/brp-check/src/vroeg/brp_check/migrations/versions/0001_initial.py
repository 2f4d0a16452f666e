"""brp-check: checks, outbox, inbox.

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
        "checks",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("route", sa.String, nullable=False),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )
