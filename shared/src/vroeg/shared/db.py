"""Database access: one engine per service, bound to the service's own schema."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from vroeg.shared.settings import ServiceSettings


def create_engine(settings: ServiceSettings, *, schema: str, service: str) -> AsyncEngine:
    """An async engine whose connections see the service's schema first.

    Each service owns one PostgreSQL schema; `search_path` makes its unqualified table names
    resolve there, so the shared outbox and inbox tables need no per-service definitions.
    """
    return create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=10,
        max_overflow=10,
        # No ping per checkout (a round trip per transaction); a connection the server closed
        # fails one transaction, which callers retry, and is then replaced.
        pool_pre_ping=False,
        pool_recycle=1800,
        # A statement error would otherwise print its bound values: names, BSNs (issue 8, 16).
        hide_parameters=True,
        connect_args={
            "server_settings": {"search_path": schema, "application_name": f"vroeg-{service}"}
        },
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that never expire loaded objects on commit (handlers read after commit)."""
    return async_sessionmaker(engine, expire_on_commit=False)
