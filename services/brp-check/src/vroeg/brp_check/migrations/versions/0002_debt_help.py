"""brp-check: the imported debt-help register (R-BRP-4).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "debt_help",
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("bsn", sa.String(9), primary_key=True),
        sa.Column("active_product", sa.Boolean, nullable=False),
        sa.Column("final_decision_on", sa.Date),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
