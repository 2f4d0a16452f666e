"""matcher: the moment of the last closing or reopening the mirror applied, so followup's two
lifecycle topics, which have no order between them, apply in the order they happened.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.add_column("cases", sa.Column("lifecycle_at", sa.DateTime(timezone=True)))
