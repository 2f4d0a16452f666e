"""matcher: a signal another municipality forwarded here keeps who forwarded it, so that its
repeat (SignalRepeated v2) is told to the forwarder, not to the creditor (Awb 2:3).

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.add_column("case_signals", sa.Column("forwarded_by", sa.String(4)))
