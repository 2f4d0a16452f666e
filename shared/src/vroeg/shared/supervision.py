"""Background tasks that never die silently, and periodic jobs run by one replica at a time.

Every long-running part of a service (consumer, outbox relay, housekeeping, a service's own
jobs) runs under a `Supervisor`: a task that fails or ends unexpectedly is logged and started
again with exponential backoff, and `down()` names it until it runs again (`/health` says
DOWN meanwhile).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from vroeg.shared import metrics
from vroeg.shared.messaging.unit_of_work import Database

log = logging.getLogger(__name__)

# A failing run of a periodic job is tried again after at most this long, not a whole interval.
JOB_RETRY_S = 60.0


class Supervisor:
    """Runs named tasks and restarts each one that stops while the service is not stopping."""

    def __init__(self, *, backoff_s: float, max_backoff_s: float) -> None:
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._running: set[str] = set()
        self._stopping = False

    def start(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        """Run `work()` as task `name`, again after each unexpected end."""
        self._tasks[name] = asyncio.create_task(self._supervise(name, work), name=name)

    def status(self) -> dict[str, bool]:
        """Each supervised task and whether it runs right now."""
        return {name: name in self._running for name in self._tasks}

    def down(self) -> list[str]:
        """The supervised tasks that are not running right now (dead, or waiting to restart)."""
        return sorted(name for name, up in self.status().items() if not up)

    async def finish(self, name: str, *, grace_s: float) -> None:
        """Let task `name` end by itself (after asking it to), cancelling it after `grace_s`."""
        self._stopping = True
        task = self._tasks.get(name)
        if task is None:
            return
        _, pending = await asyncio.wait([task], timeout=grace_s)
        for late in pending:
            late.cancel()

    async def cancel(self) -> None:
        """Stop every task now."""
        self._stopping = True
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _supervise(self, name: str, work: Callable[[], Awaitable[None]]) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        metrics.count_from_zero(tasks=[name])
        while True:
            started = loop.time()
            self._running.add(name)
            metrics.TASK_UP.labels(name).set(1)
            try:
                await work()
            except Exception:
                log.exception("background task %s died; restarting it", name)
            else:
                if self._stopping:
                    return
                log.error("background task %s ended unexpectedly; restarting it", name)
            finally:
                self._running.discard(name)
                metrics.TASK_UP.labels(name).set(0)
            if self._stopping:
                return
            # A task that ran well for a while starts again from the shortest backoff.
            if loop.time() - started > self._max_backoff_s:
                failures = 0
            delay = min(self._max_backoff_s, self._backoff_s * 2**failures)
            failures += 1
            metrics.TASK_RESTARTS.labels(name).inc()
            await asyncio.sleep(delay)


@dataclass(frozen=True)
class PeriodicJob:
    """Work a service does on a schedule, by one of its replicas at a time.

    `run` gets the service's database and should be idempotent: a replica that loses its
    database connection mid-run loses the lock too, and another replica may run it next.
    """

    name: str
    interval_s: float
    run: Callable[[Database], Awaitable[object]]


@dataclass(frozen=True)
class Worker:
    """Work every replica of a service does all the time, side by side (e.g. feedback's webhook
    deliveries, which each replica claims with SKIP LOCKED); supervised like the rest. `run`
    gets the service's database and returns only when cancelled."""

    name: str
    run: Callable[[Database], Awaitable[None]]


async def run_periodically(
    job: PeriodicJob, database: Database, engine: AsyncEngine, *, schema: str
) -> None:
    """Run `job` every `interval_s` until cancelled, skipping a turn another replica holds.

    A failed run is logged and tried again soon; only a fault in this loop ends the task
    (and the supervisor restarts it).
    """
    lock = f"vroeg.job.{schema}.{job.name}"
    while True:
        try:
            await run_exclusively(lock, engine, lambda: job.run(database))
            pause = job.interval_s
        except Exception:
            log.exception("periodic job %s failed; trying again", job.name)
            pause = min(job.interval_s, JOB_RETRY_S)
        await asyncio.sleep(pause)


async def run_exclusively(
    lock: str, engine: AsyncEngine, work: Callable[[], Awaitable[object]]
) -> bool:
    """Do `work` while holding PostgreSQL advisory lock `lock`; False if another holds it.

    The lock belongs to a connection held (outside any transaction, so no idle transaction
    stays open) for as long as the work runs; the server frees it if that connection dies.
    """
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        key = sa.func.hashtext(lock)
        if not await conn.scalar(sa.select(sa.func.pg_try_advisory_lock(key))):
            return False
        try:
            await work()
        finally:
            await conn.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
    return True
