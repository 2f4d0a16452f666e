"""feedback: feedback, outbox, inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from vroeg.shared.migrations import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables()
    op.create_table(
        "feedback",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("signal_id", sa.Uuid, nullable=False),
        sa.Column("vlp_id", sa.String, nullable=False, index=True),
        sa.Column("vlp_reference", sa.String, nullable=False),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("feedback_type", sa.String, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("signal_id", "feedback_type"),
    )
