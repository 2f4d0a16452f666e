"""The tenant registry (domain §10), read the same way by every service that needs it.

intake owns the registry: the municipalities this deployment serves, and for other
municipalities the vroeg deployment that serves them (its intake's base URL, the CA certificate
to trust there, and the API key this deployment presents there per forwarding municipality,
Awb 2:3). Each change is a `TenantChanged` event on a compacted topic; every service that reads
the registry keeps its own `tenants` table built from those events (`subscription`), and intake
writes its own table in the administration's transaction (`record`), so a municipality it adds
is served at once, without a restart (R-IN-8).

The keys are secrets: sealed by intake before they leave it (`vroeg.shared.registry_keys`), on
the topic and in every table; opened only where one is presented (`TenantEntry.key_for`, with
the keyring only intake and feedback hold); kept out of `TenantEntry`'s repr; no API returns them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.shared.events import TenantChanged
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork

# UnreadableKey: what `TenantEntry.key_for` raises, named here for its callers.
from vroeg.shared.registry_keys import Keyring
from vroeg.shared.registry_keys import UnreadableKey as UnreadableKey
from vroeg.shared.topics import TENANTS

# Unqualified: each service's connections have its own schema on the search path.
tenants = sa.Table(
    "tenants",
    sa.MetaData(),
    sa.Column("municipality", sa.String(4), primary_key=True),
    sa.Column("served_here", sa.Boolean, nullable=False),
    sa.Column("intake_url", sa.String),
    sa.Column("ca_certificate", sa.Text),
    sa.Column("feedback_url", sa.String),
    # Forwarding municipality → the key presented there, sealed (since TenantChanged v2).
    sa.Column("api_keys", JSONB, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)


def create_tenants_table() -> None:
    """The table of a service that reads the registry (call from one of its migrations)."""
    op.create_table("tenants", *(column.copy() for column in tenants.columns))


def add_feedback_url() -> None:
    """Each entry's `feedback_url` (call from a migration after `create_tenants_table`'s; a
    database created since already has it)."""
    op.execute("ALTER TABLE tenants ADD COLUMN IF NOT EXISTS feedback_url varchar")


@dataclass(frozen=True)
class TenantEntry:
    """One municipality's entry in the registry."""

    municipality: str
    served_here: bool
    intake_url: str | None
    ca_certificate: str | None
    # Where that deployment's feedback service answers the forwarder's polls.
    feedback_url: str | None
    # Forwarding municipality → the API key presented at `intake_url`, sealed (not in repr).
    sealed_api_keys: Mapping[str, str] = field(repr=False)
    changed_at: datetime

    def has_key_for(self, forwarding_municipality: str) -> bool:
        """Whether a key is set to present there for a municipality (nothing is opened)."""
        return forwarding_municipality in self.sealed_api_keys

    def key_for(self, forwarding_municipality: str, keyring: Keyring) -> str | None:
        """The key to present at this entry's intake when forwarding for a municipality,
        opened; `UnreadableKey` when the keyring cannot open it."""
        sealed = self.sealed_api_keys.get(forwarding_municipality)
        return keyring.open(sealed, destination=self.municipality) if sealed else None


async def record(session: AsyncSession, event: TenantChanged) -> None:
    """Apply an entry's new state to this service's table; an older event changes nothing."""
    if event.removed:
        await session.execute(
            sa.delete(tenants).where(
                tenants.c.municipality == event.municipality,
                tenants.c.changed_at <= event.changed_at,
            )
        )
        return
    statement = insert(tenants).values(
        municipality=event.municipality,
        served_here=event.served_here,
        intake_url=event.intake_url,
        ca_certificate=event.ca_certificate,
        feedback_url=event.feedback_url,
        api_keys=dict(event.sealed_api_keys),
        changed_at=event.changed_at,
    )
    excluded = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[tenants.c.municipality],
            set_={
                name: excluded[name]
                for name in (
                    "served_here",
                    "intake_url",
                    "ca_certificate",
                    "feedback_url",
                    "api_keys",
                )
            }
            | {"changed_at": excluded.changed_at},
            where=tenants.c.changed_at <= excluded.changed_at,
        )
    )


async def served(session: AsyncSession) -> frozenset[str]:
    """The municipalities this deployment serves (R-IN-8)."""
    rows = await session.scalars(
        sa.select(tenants.c.municipality).where(tenants.c.served_here.is_(True))
    )
    return frozenset(rows.all())


async def entry(session: AsyncSession, municipality: str) -> TenantEntry | None:
    """A municipality's entry, if the registry has one."""
    row = (
        await session.execute(sa.select(tenants).where(tenants.c.municipality == municipality))
    ).first()
    return _entry(row) if row is not None else None


async def entries(session: AsyncSession) -> list[TenantEntry]:
    """Every entry, by CBS code."""
    rows = await session.execute(sa.select(tenants).order_by(tenants.c.municipality))
    return [_entry(row) for row in rows]


def _entry(row: sa.Row[tuple[object, ...]]) -> TenantEntry:
    return TenantEntry(
        municipality=row.municipality,
        served_here=row.served_here,
        intake_url=row.intake_url,
        ca_certificate=row.ca_certificate,
        feedback_url=row.feedback_url,
        sealed_api_keys=dict(row.api_keys),
        changed_at=row.changed_at,
    )


async def _on_tenant_changed(uow: UnitOfWork, event: TenantChanged) -> None:
    await record(uow.session, event)


def subscription() -> Subscription:
    """What a service that reads the registry subscribes to, to build its table."""
    # Batched: the handler touches only the service's own table.
    return Subscription(TENANTS, _on_tenant_changed, batch=True)
