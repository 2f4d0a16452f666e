"""Faults a test injects into a service's database the way PostgreSQL itself would raise them.

A trigger on a table the handler writes fails (or blocks) the transaction of chosen signals
with a chosen SQLSTATE, as a serialization failure, a deadlock or "too many clients" would.
"""

from __future__ import annotations

from uuid import UUID

from tests.support.db import execute, fetch

# The advisory lock a `block` fault waits for while the test holds it.
BLOCK_LOCK = 4242


async def install_faults(database_url: str, table: str) -> None:
    """Arm the fault trigger on `table` (e.g. `matcher.case_signals`, keyed by `signal_id`)."""
    await execute(
        database_url,
        f"""
        CREATE TABLE IF NOT EXISTS public.faults (signal_id uuid PRIMARY KEY, action text NOT NULL);
        CREATE SEQUENCE IF NOT EXISTS public.fault_hits;
        CREATE OR REPLACE FUNCTION public.inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE todo text;
        BEGIN
          SELECT action INTO todo FROM public.faults WHERE signal_id = NEW.signal_id;
          IF todo IS NULL THEN RETURN NEW; END IF;
          PERFORM nextval('public.fault_hits');  -- not rolled back with the transaction
          IF todo = 'block' THEN
            PERFORM pg_advisory_xact_lock({BLOCK_LOCK});
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'injected fault' USING ERRCODE = todo;
        END $$;
        CREATE TRIGGER inject_fault BEFORE INSERT ON {table}
          FOR EACH ROW EXECUTE FUNCTION public.inject_fault();
        """,
    )


async def fail(database_url: str, signal_id: UUID, action: str) -> None:
    """Make every transaction that inserts `signal_id` fail with SQLSTATE `action` (or `block`
    on the test's lock)."""
    await execute(
        database_url,
        "INSERT INTO public.faults (signal_id, action) VALUES ($1, $2)",
        signal_id,
        action,
    )


async def heal(database_url: str, signal_id: UUID | None = None) -> None:
    """The fault injected for `signal_id` (else every fault) is over."""
    await execute(
        database_url,
        "DELETE FROM public.faults WHERE $1::uuid IS NULL OR signal_id = $1",
        signal_id,
    )


async def fault_hits(database_url: str) -> int:
    """How many transactions have met an injected fault so far."""
    rows = await fetch(
        database_url,
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM public.fault_hits",
    )
    return int(rows[0]["n"])


async def fail_parking(database_url: str, schema: str) -> None:
    """Make writing to the service's dead-letter topic fail (its outbox refuses such rows)."""
    await execute(
        database_url,
        f"""
        CREATE OR REPLACE FUNCTION public.refuse_dead_letters() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.topic LIKE '%dead-letter%' THEN RAISE EXCEPTION 'parking refused'; END IF;
          RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_dead_letters BEFORE INSERT ON {schema}.outbox
          FOR EACH ROW EXECUTE FUNCTION public.refuse_dead_letters();
        """,
    )


async def allow_parking(database_url: str, schema: str) -> None:
    """Undo `fail_parking`."""
    await execute(database_url, f"DROP TRIGGER refuse_dead_letters ON {schema}.outbox")


async def slow_inserts(database_url: str, table: str, seconds: float) -> None:
    """Make every row inserted into `table` take `seconds` (a slow disk, a busy server), so a
    stream of events is still in flight when the test strikes."""
    await execute(
        database_url,
        f"""
        CREATE OR REPLACE FUNCTION public.slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_sleep({seconds});
          RETURN NEW;
        END $$;
        CREATE TRIGGER slow_insert BEFORE INSERT ON {table}
          FOR EACH ROW EXECUTE FUNCTION public.slow_insert();
        """,
    )
