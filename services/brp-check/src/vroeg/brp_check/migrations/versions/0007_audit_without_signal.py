"""brp-check: audit entries that concern no signal (a debt-help import, issue 8 item 12).

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.alter_column("audit_log", "signal_id", existing_type=sa.Uuid, nullable=True)
