"""Database access: one engine per service, bound to the service's own schema."""

from __future__ import annotations

import pydantic_core
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from vroeg.shared import new_rows
from vroeg.shared.settings import ServiceSettings

# Connections each service keeps open; as many more may be opened for a burst, and are closed
# when handed back while this many are idle.
POOL_SIZE = 10


def application_name(service: str) -> str:
    """How the service's sessions name themselves to PostgreSQL (`pg_stat_activity`)."""
    return f"vroeg-{service}"


def create_engine(settings: ServiceSettings, *, schema: str, service: str) -> AsyncEngine:
    """An async engine whose connections see the service's schema first.

    Each service owns one PostgreSQL schema; `search_path` makes its unqualified table names
    resolve there, so the shared outbox and inbox tables need no per-service definitions.
    """
    engine = create_async_engine(
        settings.database_url.get_secret_value(),
        pool_size=POOL_SIZE,
        max_overflow=POOL_SIZE,
        # No ping per checkout (a round trip per transaction); a connection the server closed
        # fails one transaction, which callers retry, and is then replaced.
        pool_pre_ping=False,
        pool_recycle=1800,
        # A statement error would otherwise print its bound values: names, BSNs (issue 8, 16).
        hide_parameters=True,
        # JSON columns through pydantic's Rust codec instead of the json module: a case's state,
        # a signal's data, a fact's parts are read and written on every event (the json module
        # was ~7 % of matcher's CPU per signal).
        json_serializer=_json_text,
        json_deserializer=pydantic_core.from_json,
        connect_args={
            "server_settings": {
                "search_path": schema,
                "application_name": application_name(service),
            }
        },
    )
    # Many rows of a plain INSERT (the ORM's new objects, but for `new_rows.InsertedTogether`'s;
    # the outbox's are `upserts.insert_all`) as one statement of SQLAlchemy's "insertmanyvalues",
    # as its psycopg2 dialect does, instead of asyncpg's executemany, which PostgreSQL runs once
    # per row. Its text differs per number of rows (a prepared statement each, kept per
    # connection); still far fewer statements. SQLAlchemy keeps an ON CONFLICT without RETURNING
    # out of it (sql/crud.py, its #13130); those batch through `upserts.keep`.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def _json_text(value: object) -> str:
    return pydantic_core.to_json(value).decode()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that never expire loaded objects on commit (handlers read after commit), and
    write new `InsertedTogether` objects as one statement per table."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=new_rows.Session)


# SQLSTATEs that say "try again later", not "this transaction is wrong": connection exceptions
# (class 08), insufficient resources such as too many clients (class 53), serialization failure,
# deadlock, and the server shutting down or starting up.
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53"})
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "57P01", "57P02", "57P03"})


def transient_database_error(exc: BaseException) -> str | None:
    """Why `exc` is passing database trouble (a SQLSTATE or error type), or None if it is not.

    Only the code or type is returned, never the message: it may quote statement parameters.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and (
            sqlstate in _TRANSIENT_SQLSTATES or sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES
        ):
            return f"SQLSTATE {sqlstate}"
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return "connection lost"
        # Pool exhausted (sqlalchemy.exc.TimeoutError), or the server cannot be reached: any
        # socket error, not only refused or timed out (a name that does not resolve while DNS
        # is down, no route to the host).
        if isinstance(current, PoolTimeout | OSError):
            return type(current).__name__
        current = current.__cause__ or current.__context__
    return None
