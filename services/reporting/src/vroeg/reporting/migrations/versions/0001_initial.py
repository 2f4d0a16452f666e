"""reporting: counters, outbox, inbox.

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
        "counters",
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("metric", sa.String, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
