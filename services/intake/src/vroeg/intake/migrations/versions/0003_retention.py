"""intake: the retention job finds the signals that still hold personal data by their age.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    # R-MAT-5: only rows with data are candidates; erased and refused ones drop out.
    op.create_index(
        "signals_retention", "signals", ["received_at"], postgresql_where="data IS NOT NULL"
    )
