"""reporting: intake's `AgreementChanged` facts, one row per creditor and municipality, for
the indicators of agreements in force and creditors gone silent (§8.3.1, Bijlage 1); and an
index to find a creditor's latest signal for a municipality.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("vlp_id", sa.String, primary_key=True),
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("vlp_type", sa.String, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
        sa.Column("removed", sa.Boolean, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("agreements_by_municipality", "agreements", ["municipality", "starts_on"])
    op.create_index(
        "signal_facts_by_creditor",
        "signal_facts",
        ["municipality", "vlp_id", "received_on"],
        postgresql_where=sa.text("refusal IS NULL"),
    )
