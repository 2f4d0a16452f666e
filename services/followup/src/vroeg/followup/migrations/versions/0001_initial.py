"""followup: first-contact deadlines, outbox, inbox.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

from vroeg.shared.migrations import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables()
    op.create_table(
        "first_contact_deadlines",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("working_days", sa.Integer, nullable=False),
        sa.Column("crisis", sa.Boolean, nullable=False),
    )
