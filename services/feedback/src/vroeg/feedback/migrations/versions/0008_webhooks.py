"""feedback: creditors' webhook endpoints and the deliveries to them (Standard Webhooks).

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

_MOMENT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("vlp_id", sa.String, primary_key=True),
        sa.Column("url", sa.String, nullable=False),
        sa.Column("secret", sa.String, nullable=False),
        sa.Column("previous_secret", sa.String),
        sa.Column("previous_secret_until", _MOMENT),
        sa.Column("updated_at", _MOMENT, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Uuid, sa.ForeignKey("feedback.id"), primary_key=True),
        sa.Column(
            "vlp_id",
            sa.String,
            sa.ForeignKey("webhook_endpoints.vlp_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("state", sa.String(9), nullable=False),
        sa.Column("created_at", _MOMENT, nullable=False),
        sa.Column("pending_since", _MOMENT, nullable=False),
        sa.Column("next_attempt_at", _MOMENT, nullable=False),
        sa.Column("claim", sa.Uuid),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.String),
        sa.Column("delivered_at", _MOMENT),
        sa.Column("dead_at", _MOMENT),
        sa.Column("replayed_by", sa.String),
        sa.Column("replayed_at", _MOMENT),
    )
    op.create_index("ix_webhook_deliveries_vlp_id", "webhook_deliveries", ["vlp_id"])
    op.create_index(
        "webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where="state = 'PENDING'",
    )
    # The retention job looks for due deliveries that still hold a body.
    op.create_index(
        "webhook_deliveries_retention",
        "webhook_deliveries",
        ["created_at"],
        postgresql_where="body IS NOT NULL",
    )
