"""reporting: index the inbox by processed_at, for housekeeping's purge.

Revision ID: 0002
"""

from vroeg.shared.migrations import index_processed_at

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    index_processed_at()
