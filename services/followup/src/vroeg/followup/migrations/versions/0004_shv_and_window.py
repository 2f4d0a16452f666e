"""followup: the SHV professional's queue (R-BRP-4) and the 28-day offer window (R-FU-5).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("cases", sa.Column("intermediate_result_at", TIMESTAMP))
    # The offer-window scheduler's questions: open cases by their opening moment.
    op.create_index(
        "cases_offer_window", "cases", ["opened_at"], postgresql_where="status = 'OPEN'"
    )
    op.create_table(
        "shv_items",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("vlp_id", sa.String, nullable=False),
        sa.Column("vlp_type", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("arrears_type", sa.String, nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("debt_help", sa.String, nullable=False),
        sa.Column("name", sa.String),
        sa.Column("bsn", sa.String(9)),
        sa.Column("handled_at", TIMESTAMP),
        sa.Column("handled_by", sa.String),
        sa.Column("action_taken", sa.String),
        sa.Column("outcome_category", sa.String),
        sa.Column("outcome_detail", sa.String),
    )
    # The queue: a municipality's open items, oldest first.
    op.create_index(
        "shv_items_queue",
        "shv_items",
        ["municipality", "received_at"],
        postgresql_where="handled_at IS NULL",
    )
