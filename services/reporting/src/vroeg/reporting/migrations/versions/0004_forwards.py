"""reporting: feedback's `SignalForwarded` facts, one row per relocated signal, for the
indicator of signals forwarded to the competent municipality (Awb 2:3) and not forwarded by
reason.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "forwards",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("destination", sa.String(4), nullable=False),
        sa.Column("outcome", sa.String, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
    )
    op.create_index("forwards_by_month", "forwards", ["municipality", "decided_on"])
