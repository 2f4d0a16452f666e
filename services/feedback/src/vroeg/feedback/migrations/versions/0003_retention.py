"""feedback: the creditor's reference is erased when the retention policy says (R-MAT-5).

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.alter_column("feedback", "vlp_reference", nullable=True)
    # The retention job looks for due records that still hold the reference.
    op.create_index(
        "feedback_retention",
        "feedback",
        ["created_at"],
        postgresql_where="vlp_reference IS NOT NULL",
    )
