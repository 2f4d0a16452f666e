"""feedback: the tenant registry, built from intake's `TenantChanged` events, to look up where
a relocated signal is forwarded (Awb 2:3).

Revision ID: 0006
"""

from vroeg.shared.tenants import create_tenants_table

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    create_tenants_table()
