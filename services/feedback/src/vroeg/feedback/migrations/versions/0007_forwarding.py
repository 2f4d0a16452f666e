"""feedback: forwarding relocated signals (Awb 2:3): the tenant registry, built from intake's
`TenantChanged` events, to look up where; the forwards (an outbox of posts to the receiving
intake).

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from vroeg.shared.tenants import create_tenants_table

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    create_tenants_table()
    op.create_table(
        "forwards",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False, index=True),
        sa.Column("destination", sa.String(4), nullable=False),
        sa.Column("vlp_id", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("outcome", sa.String),
        sa.Column("payload", JSONB),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "forwards_waiting",
        "forwards",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'WAITING'"),
    )
    # The retention job finds the forwards still holding a signal's data by their age.
    op.create_index(
        "forwards_holding_payload",
        "forwards",
        ["created_at"],
        postgresql_where=sa.text("payload IS NOT NULL"),
    )
