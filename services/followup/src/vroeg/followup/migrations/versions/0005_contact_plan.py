"""followup: the contact plan (R-FU-3): municipalities' plans, the residents' contacts as the
matcher tells them (personal data, erased when due), the automatic steps claimed and sent, and
on each attempt the template that made it and Notify's id; the case facts the plan's criteria
read.

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contact_plans",
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("steps", JSONB, nullable=False),
        sa.Column("sender", JSONB, nullable=False),
        sa.Column("saved_at", TIMESTAMP, nullable=False),
        sa.Column("saved_by", sa.String, nullable=False),
    )
    op.create_table(
        "case_contacts",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String),
        sa.Column("address", sa.String),
        sa.Column("phone", sa.String),
        sa.Column("email", sa.String),
        sa.Column("case_closed_at", TIMESTAMP),
    )
    op.create_index(
        "case_contacts_retention",
        "case_contacts",
        ["case_closed_at"],
        postgresql_where="name IS NOT NULL OR address IS NOT NULL OR phone IS NOT NULL "
        "OR email IS NOT NULL",
    )
    op.create_table(
        "contact_plan_sends",
        sa.Column("case_id", sa.Uuid, primary_key=True),
        sa.Column("step", sa.String, primary_key=True),
        sa.Column("municipality", sa.String(4), nullable=False),
        sa.Column("attempt_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("claimed_at", TIMESTAMP, nullable=False),
        sa.Column("sent_at", TIMESTAMP),
        sa.Column("refused", sa.String),
    )
    op.add_column("attempts", sa.Column("template", sa.String))
    op.add_column("attempts", sa.Column("notify_id", sa.Uuid))
    op.add_column(
        "cases", sa.Column("total_amount", sa.Numeric(12, 2), nullable=False, server_default="0")
    )
    op.add_column("cases", sa.Column("minors_present", sa.Boolean))
