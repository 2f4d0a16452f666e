"""feedback: the relay of a forwarded signal's feedback ends once that feedback is final
(Awb 2:3; the retention period ends it too, by erasing the link to the signal there).

Revision ID: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.add_column("forwards", sa.Column("relay_ended_at", sa.DateTime(timezone=True)))
