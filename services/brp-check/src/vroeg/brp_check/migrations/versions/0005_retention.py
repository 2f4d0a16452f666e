"""brp-check: the retention job finds review items and audit entries by their age.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # R-MAT-5: review items by age (few: only the uitval), and the audit entries that still
    # name a person (the predicate is the job's, so the planner can use it).
    op.create_index("reviews_queued_at", "reviews", ["queued_at"])
    op.create_index(
        "audit_log_retention",
        "audit_log",
        ["at"],
        postgresql_where="details ?| ARRAY['candidates_shown', 'bsn', 'explanation']",
    )
