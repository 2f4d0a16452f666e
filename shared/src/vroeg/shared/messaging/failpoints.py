"""Named points where a test can have the process killed, to prove crash safety.

`VROEG_FAILPOINTS=consumer.after_commit` makes the process SIGKILL itself the first time it
passes that point; a `crash` point instead raises (a `fails` point raises the error it
names), and a `hangs` point waits forever, once, in the task that passes it (to prove
supervision and time limits). Settings refuse failpoints in production.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

log = logging.getLogger(__name__)

CONSUMER_AFTER_COMMIT = "consumer.after_commit"
OUTBOX_BEFORE_SEND = "outbox.before_send"
# Raises in the relay's loop after a batch was sent: the relay task dies.
OUTBOX_RELAY_CRASH = "outbox.relay_crash"
# Raises in the consumer's poll loop after a fetch with records: the consumer task dies.
CONSUMER_CRASH = "consumer.crash"
# The consumer's first offset commit fails as the broker can fail it (a KafkaError).
CONSUMER_OFFSET_COMMIT_FAILS = "consumer.offset_commit_fails"
# The relay's first send never completes: only its time limit ends it.
OUTBOX_SEND_HANGS = "outbox.send_hangs"
KNOWN = frozenset(
    {
        CONSUMER_AFTER_COMMIT,
        CONSUMER_CRASH,
        CONSUMER_OFFSET_COMMIT_FAILS,
        OUTBOX_BEFORE_SEND,
        OUTBOX_RELAY_CRASH,
        OUTBOX_SEND_HANGS,
    }
)


class FailpointCrash(RuntimeError):
    """Raised by an armed `crash` failpoint."""


class Failpoints:
    """The failpoints armed in this process."""

    def __init__(self, spec: str) -> None:
        self._armed = {name.strip() for name in spec.split(",") if name.strip()}
        unknown = self._armed - KNOWN
        if unknown:
            raise ValueError(f"unknown failpoints: {sorted(unknown)}")

    def hit(self, name: str) -> None:
        """Kill this process at once if `name` is armed: no cleanup, like a power cut."""
        if name in self._armed:
            log.critical("failpoint %s: killing the process", name)
            os.kill(os.getpid(), signal.SIGKILL)

    def crash(self, name: str) -> None:
        """Raise `FailpointCrash` the first time `name` is passed, if it is armed."""
        self.fail(name, FailpointCrash(name))

    def fail(self, name: str, error: Exception) -> None:
        """Raise `error` the first time `name` is passed, if it is armed."""
        if name in self._armed:
            self._armed.discard(name)
            log.critical("failpoint %s: raising", name)
            raise error

    async def hang(self, name: str) -> None:
        """Never return, the first time `name` is passed, if it is armed."""
        if name in self._armed:
            self._armed.discard(name)
            log.critical("failpoint %s: hanging", name)
            await asyncio.Event().wait()
