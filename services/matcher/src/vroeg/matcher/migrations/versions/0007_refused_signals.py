"""matcher: the signals intake refused (R-IN-1 … R-IN-4), from their lean facts, so that the CBS
(DDAS) export delivers them with the status the schema has for them ("Niet opgepakt: onterecht
signaal", or "andere reden"); no personal data.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "refused_signals",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("vlp_type", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refusal", sa.String, nullable=False),
    )
    # The export picks a period's signals by their receipt.
    op.create_index("refused_signals_period", "refused_signals", ["municipality", "received_at"])
