"""intake: signals, outbox, inbox.

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
        "signals",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("vlp_id", sa.String, nullable=False),
        sa.Column("vlp_reference", sa.String, nullable=False),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("arrears_type", sa.String, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.UniqueConstraint("vlp_id", "vlp_reference"),
    )
