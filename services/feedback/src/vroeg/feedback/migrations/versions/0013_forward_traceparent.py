"""feedback: a forward keeps its signal's trace (`traceparent`), which the post to the
receiving intake continues: the signal is one trace in both deployments.

Revision ID: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.add_column("forwards", sa.Column("traceparent", sa.String(55)))
