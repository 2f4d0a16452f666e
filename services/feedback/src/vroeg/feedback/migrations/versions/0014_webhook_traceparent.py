"""feedback: a webhook delivery keeps the trace of what caused its feedback (`traceparent`),
which each attempt continues: the creditor's delivery is in the signal's trace.

Revision ID: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    op.add_column("webhook_deliveries", sa.Column("traceparent", sa.String(55)))
