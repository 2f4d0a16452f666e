"""brp-check: a review item keeps its signal's trace, so the decision continues it (issue 8, 9).

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("reviews", sa.Column("traceparent", sa.String(55)))
