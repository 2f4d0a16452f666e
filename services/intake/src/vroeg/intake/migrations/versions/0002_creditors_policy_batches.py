"""intake: creditors, credentials, agreements, policies, batches; refusals without personal data.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "vlps",
        sa.Column("id", sa.String, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("vlp_type", sa.String, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("key_id", sa.String, primary_key=True),
        sa.Column("principal_kind", sa.String, nullable=False),
        sa.Column("principal_id", sa.String, nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("client_cert_sha256", sa.String(64)),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("revoked_at", TIMESTAMP),
    )
    op.create_table(
        "agreements",
        sa.Column("vlp_id", sa.String, sa.ForeignKey("vlps.id"), primary_key=True),
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
    )
    op.create_table(
        "policies",
        sa.Column("municipality", sa.String(4), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("thresholds", JSONB, nullable=False),
        sa.Column("required_attestations", JSONB, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("vlp_id", sa.String, nullable=False),
        sa.Column("idempotency_key", sa.String),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("result", JSONB, nullable=False),
        sa.UniqueConstraint("vlp_id", "idempotency_key"),
    )
    op.add_column(
        "signals", sa.Column("forwarded_by", sa.String, nullable=False, server_default="")
    )
    op.add_column(
        "signals", sa.Column("status", sa.String, nullable=False, server_default="ONTVANGEN")
    )
    op.add_column("signals", sa.Column("reason", sa.String))
    op.add_column("signals", sa.Column("policy_version", sa.Integer))
    op.alter_column("signals", "forwarded_by", server_default=None)
    op.alter_column("signals", "status", server_default=None)
    op.alter_column("signals", "data", nullable=True)
    op.drop_constraint("signals_vlp_id_vlp_reference_key", "signals")
    op.create_unique_constraint(
        "signals_vlp_id_vlp_reference_forwarded_by_key",
        "signals",
        ["vlp_id", "vlp_reference", "forwarded_by"],
    )
