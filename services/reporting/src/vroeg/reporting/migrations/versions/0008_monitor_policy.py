"""reporting: a municipality's monitor policy, versioned (`vroeg.shared.versions`): for now how
many weeks without a signal make a creditor with an agreement "gone silent" (§8.3.1).

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "monitor_policies",
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("silent_weeks", sa.Integer, nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_by", sa.String, nullable=False),
    )
