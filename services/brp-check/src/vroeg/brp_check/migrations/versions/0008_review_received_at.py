"""brp-check: a review item keeps when intake received its signal, which its crisis deadline
counts from and the queue sorts by (R-FU-1, issue 10); the signal's own copy is erased once
the item is decided.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.add_column("reviews", sa.Column("received_at", sa.DateTime(timezone=True)))
    # From the signal while the item holds it; a decided or erased item (no longer listed)
    # keeps when it was queued, the latest its signal can have been received.
    op.execute(
        "UPDATE reviews SET received_at = "
        "COALESCE((signal ->> 'received_at')::timestamptz, queued_at)"
    )
    op.alter_column("reviews", "received_at", nullable=False)
