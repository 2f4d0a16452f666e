"""feedback: the reason code of NIET_OPGEPAKT.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("feedback", sa.Column("reason", sa.String))
