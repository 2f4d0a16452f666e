"""matcher: what the CBS (DDAS) export joins beside the cases (domain §9): signals that reach
no case (relocated, emigrated, legal person, known to debt help), followup's contact attempts,
first contacts and the SHV professional's outcomes, each kept by its own id so that the order
the events come in does not matter.

Also: a case signal's erased `data` was written as JSON `null`, not SQL NULL, so retention
took it for still holding personal data and erased it again on every run; such rows become
NULL (the model now writes NULL).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.execute("UPDATE case_signals SET data = NULL WHERE data = 'null'::jsonb")
    op.create_table(
        "routed_signals",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("route", sa.String, nullable=False),
        sa.Column("destination_known", sa.Boolean),
        sa.Column("vlp_id", sa.String, nullable=False),
        sa.Column("vlp_type", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("arrears_type", sa.String, nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("signal_date", sa.Date, nullable=False),
        sa.Column("oldest_due_date", sa.Date, nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("bsn", sa.String(9)),
        sa.Column("data", JSONB),
        sa.Column("added_at", TIMESTAMP, nullable=False),
    )
    op.create_index("routed_signals_period", "routed_signals", ["municipality", "received_at"])
    # R-MAT-5: a copy that belongs to no case is erased counted from its receipt.
    op.create_index(
        "routed_signals_retention",
        "routed_signals",
        ["received_at"],
        postgresql_where="data IS NOT NULL OR bsn IS NOT NULL",
    )
    # The export picks a period's signals by their receipt.
    op.create_index("case_signals_period", "case_signals", ["municipality", "received_at"])
    op.create_table(
        "contact_attempts",
        sa.Column("attempt_id", sa.Uuid, primary_key=True),
        sa.Column("case_id", sa.Uuid, nullable=False, index=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("attempted_on", sa.Date, nullable=False),
        sa.Column("part_of_day", sa.String),
        sa.Column("result", sa.String, nullable=False),
        sa.Column("automatic", sa.Boolean, nullable=False),
        # The newest announcement of an attempt wins (a reply changes its result, §8.5.3).
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "first_contacts",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("attempted_on", sa.Date, nullable=False),
        sa.Column("on_time", sa.Boolean, nullable=False),
    )
    op.create_table(
        "debt_help_outcomes",
        sa.Column("signal_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("category", sa.String, nullable=False),
        sa.Column("detail", sa.String, nullable=False),
        sa.Column("handled_at", TIMESTAMP, nullable=False),
    )
