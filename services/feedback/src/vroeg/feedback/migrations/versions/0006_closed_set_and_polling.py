"""feedback: what each type may carry (doorgestuurd, the pause's end), forwarded signals'
feedback addressed to their forwarder, the polling cursor (transaction id and position), and
each signal's creditor with the outcomes that wait for it.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.add_column("feedback", sa.Column("doorgestuurd", sa.Boolean))
    op.add_column("feedback", sa.Column("collection_paused_until", sa.Date))
    op.add_column("feedback", sa.Column("forwarded_by", sa.String(4)))
    # The inserting transaction's id (xid8, never wraps) and the row's place within it: the
    # polling cursor. Rows already there share the migration's transaction id.
    op.execute("ALTER TABLE feedback ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute("ALTER TABLE feedback ADD COLUMN position bigint GENERATED ALWAYS AS IDENTITY")
    op.create_index(
        "feedback_creditor_cursor",
        "feedback",
        ["vlp_id", "txid", "position"],
        postgresql_where="forwarded_by IS NULL",
    )
    op.create_index(
        "feedback_forwarder_cursor",
        "feedback",
        ["forwarded_by", "txid", "position"],
        postgresql_where="forwarded_by IS NOT NULL",
    )
    op.create_table(
        "signal_creditors",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("route", sa.String),
        sa.Column("vlp_id", sa.String),
        sa.Column("vlp_reference", sa.String),
        sa.Column("forwarded_by", sa.String(4)),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "signal_creditors_retention",
        "signal_creditors",
        ["recorded_at"],
        postgresql_where="vlp_reference IS NOT NULL",
    )
    op.create_table(
        "pending_outcomes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("signal_id", sa.Uuid, nullable=False, index=True),
        sa.Column("category", sa.String),
        sa.Column("creditor_consent", sa.Boolean, nullable=False),
        sa.Column("collection_paused_until", sa.Date),
        sa.Column("debt_help", sa.String),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
