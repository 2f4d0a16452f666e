"""Alembic, per service: each service's migrations create and evolve its own schema only."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine


async def upgrade_to_head(engine: AsyncEngine, *, schema: str, script_location: str) -> None:
    """Create the schema if needed and apply every migration, one service replica at a time."""
    await upgrade_to(engine, "head", schema=schema, script_location=script_location)


async def upgrade_to(
    engine: AsyncEngine, revision: str, *, schema: str, script_location: str
) -> None:
    """Create the schema if needed and apply the migrations up to `revision` (an upgrade is
    tested from the revision before it, with the rows it found)."""
    async with engine.begin() as conn:
        # Replicas starting together would race on the same DDL; the lock orders them.
        await conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": schema})
        await conn.execute(sa.schema.CreateSchema(schema, if_not_exists=True))
        await conn.run_sync(_upgrade, revision, schema, script_location)


def _upgrade(connection: Connection, revision: str, schema: str, script_location: str) -> None:
    config = Config()
    config.set_main_option("script_location", script_location)
    config.attributes["connection"] = connection
    config.attributes["schema"] = schema
    command.upgrade(config, revision)


def run_env() -> None:
    """Body of every service's `env.py`: migrate over the connection `upgrade_to_head` gave."""
    connection: Connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        version_table_schema=context.config.attributes["schema"],
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def create_messaging_tables() -> None:
    """The outbox and inbox every service has (call from its first migration)."""
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("key", sa.LargeBinary, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("headers", sa.dialects.postgresql.JSONB, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
    )


def index_processed_at() -> None:
    """The inbox's index on `processed_at`, by which housekeeping finds what to forget."""
    op.create_index("processed_events_processed_at", "processed_events", ["processed_at"])
