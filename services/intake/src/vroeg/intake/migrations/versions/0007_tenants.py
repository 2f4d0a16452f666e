"""intake: the tenant registry (domain §10) replaces `VROEG_MUNICIPALITIES`; a forwarded
signal keeps its original receipt (Awb 2:3 provenance).

A deployment upgraded from a version that read `VROEG_MUNICIPALITIES` keeps serving what it
named: the codes still in the environment are entered once, as served here.

Revision ID: 0007
"""

import os
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from vroeg.shared.tenants import create_tenants_table, tenants

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    create_tenants_table()
    op.add_column(
        "signals", sa.Column("original_received_at", sa.DateTime(timezone=True), nullable=True)
    )
    legacy = os.environ.get("VROEG_MUNICIPALITIES", "")
    codes = sorted({code.strip() for code in legacy.split(",") if code.strip()})
    if codes:
        now = datetime.now(UTC)
        op.bulk_insert(
            tenants,
            [
                {
                    "municipality": code,
                    "served_here": True,
                    "intake_url": None,
                    "ca_certificate": None,
                    "api_keys": {},
                    "changed_at": now,
                }
                for code in codes
            ],
        )
