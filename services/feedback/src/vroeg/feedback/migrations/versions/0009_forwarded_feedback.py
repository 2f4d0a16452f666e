"""feedback: the feedback on a forwarded signal comes back to the forwarder, which tells the
creditor as its own (Awb 2:3): each forward keeps the creditor's reference and the signal's
id at the receiving deployment; a cursor per receiving deployment's feed; the registry names
that deployment's feedback service.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

from vroeg.shared.tenants import add_feedback_url

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    add_feedback_url()
    op.add_column("forwards", sa.Column("vlp_reference", sa.String))
    op.add_column("forwards", sa.Column("remote_signal_id", sa.Uuid))
    op.create_index("forwards_remote_signal_id", "forwards", ["remote_signal_id"])
    op.create_table(
        "forward_polls",
        sa.Column("destination", sa.String(4), primary_key=True),
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("cursor", sa.String),
        sa.Column("polled_at", sa.DateTime(timezone=True)),
    )
