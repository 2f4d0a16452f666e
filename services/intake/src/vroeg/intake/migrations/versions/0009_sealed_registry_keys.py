"""intake: the tenant registry's keys are sealed (`TenantChanged` v2, `vroeg.shared.registry_keys`).

The keys stored before were in plain text: sealed here with `VROEG_REGISTRY_SECRET_KEY` (the
service's environment, as it starts). Every entry stored before is listed for re-publication
(`vroeg.intake.registry_republish`), which replaces its plain-text v1 record on the compacted
topic and in feedback's table.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

from vroeg.intake.registry_republish import pending
from vroeg.shared.registry_keys import RegistryKeySettings
from vroeg.shared.tenants import tenants

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    # The list as this revision made it (the module's table may change in later revisions).
    op.create_table(pending.name, sa.Column("municipality", sa.String(4), primary_key=True))
    keyring = RegistryKeySettings().registry_keyring
    connection = op.get_bind()
    rows = connection.execute(sa.select(tenants.c.municipality, tenants.c.api_keys)).all()
    for municipality, plain in rows:
        sealed = {code: keyring.seal(key) for code, key in plain.items()}
        connection.execute(
            sa.update(tenants).where(tenants.c.municipality == municipality).values(api_keys=sealed)
        )
    op.bulk_insert(pending, [{"municipality": municipality} for municipality, _ in rows])
