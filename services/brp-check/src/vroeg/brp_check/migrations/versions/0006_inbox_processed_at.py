"""brp-check: index the inbox by processed_at, for housekeeping's purge.

Revision ID: 0006
"""

from vroeg.shared.migrations import index_processed_at

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    index_processed_at()
