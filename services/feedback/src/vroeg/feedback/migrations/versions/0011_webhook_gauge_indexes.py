"""feedback: the webhook gauges read at every scrape (the oldest waiting delivery, and the parked
ones, per creditor) from partial indexes, so they stay cheap however many acknowledged
deliveries the table keeps (rows are never deleted; an acknowledged one holds no body).

Revision ID: 0011
"""

from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_index(
        "webhook_deliveries_pending_by_creditor",
        "webhook_deliveries",
        ["vlp_id", "pending_since"],
        postgresql_where="state = 'PENDING'",
    )
    op.create_index(
        "webhook_deliveries_dead_by_creditor",
        "webhook_deliveries",
        ["vlp_id"],
        postgresql_where="state = 'DEAD'",
    )
