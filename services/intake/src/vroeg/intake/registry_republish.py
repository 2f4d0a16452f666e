"""intake re-publishes the tenant registry entries that were stored before their keys were
sealed (`TenantChanged` v1 carried them in plain text), once, at the first start after the
upgrade (migration 0009 lists them).

Each goes out again as the current `TenantChanged`, keys sealed as they are now stored, with
the entry's own `changed_at` (so no reader takes it for a newer change). On the compacted topic
it supersedes the v1 record, which compaction then drops; in feedback's table it replaces the
plain-text keys. Until then feedback cannot open those (`UnreadableKey`): its forwards wait.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from vroeg.intake.settings import Settings
from vroeg.shared import tenants
from vroeg.shared.events import TenantChanged, now_utc
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.service import Resources
from vroeg.shared.supervision import PeriodicJob

# Unqualified: intake's connections have its schema on the search path.
pending = sa.Table(
    "registry_republish",
    sa.MetaData(),
    sa.Column("municipality", sa.String(4), primary_key=True),
)
INTERVAL_S = 3600.0


async def republish(database: Database) -> int:
    """Publish each listed entry as it stands, and strike it from the list; how many."""
    async with database.unit_of_work() as uow:
        listed = await uow.session.scalars(sa.delete(pending).returning(pending.c.municipality))
        codes = set(listed.all())
        entries = [
            entry for entry in await tenants.entries(uow.session) if entry.municipality in codes
        ]
        await uow.publish_many([_event(entry) for entry in entries])
    return len(entries)


def _event(entry: tenants.TenantEntry) -> TenantChanged:
    return TenantChanged(
        municipality=entry.municipality,
        occurred_at=now_utc(),
        served_here=entry.served_here,
        intake_url=entry.intake_url,
        ca_certificate=entry.ca_certificate,
        feedback_url=entry.feedback_url,
        sealed_api_keys=dict(entry.sealed_api_keys),
        changed_at=entry.changed_at,
    )


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """The re-publication: first at start, then (nothing left) hourly at no cost."""
    return [PeriodicJob("republish-registry", INTERVAL_S, republish)]
