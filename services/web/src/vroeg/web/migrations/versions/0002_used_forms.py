"""web: the one-time forms a session used.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "used_forms",
        sa.Column(
            "session_hash",
            sa.String(64),
            sa.ForeignKey("sessions.id_hash", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("outcome", JSONB),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
    )
