"""intake: index the inbox by processed_at, for housekeeping's purge.

Revision ID: 0004
"""

from vroeg.shared.migrations import index_processed_at

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    index_processed_at()
