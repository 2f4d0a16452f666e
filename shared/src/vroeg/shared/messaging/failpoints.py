"""Named points where a test can have the process killed, to prove crash safety.

`VROEG_FAILPOINTS=consumer.after_commit` makes the process SIGKILL itself the first time it
passes that point. Settings refuse failpoints in production.
"""

from __future__ import annotations

import logging
import os
import signal

log = logging.getLogger(__name__)

CONSUMER_AFTER_COMMIT = "consumer.after_commit"
OUTBOX_BEFORE_SEND = "outbox.before_send"
KNOWN = frozenset({CONSUMER_AFTER_COMMIT, OUTBOX_BEFORE_SEND})


class Failpoints:
    """The failpoints armed in this process."""

    def __init__(self, spec: str) -> None:
        self._armed = frozenset(name.strip() for name in spec.split(",") if name.strip())
        unknown = self._armed - KNOWN
        if unknown:
            raise ValueError(f"unknown failpoints: {sorted(unknown)}")

    def hit(self, name: str) -> None:
        """Kill this process at once if `name` is armed: no cleanup, like a power cut."""
        if name in self._armed:
            log.critical("failpoint %s: killing the process", name)
            os.kill(os.getpid(), signal.SIGKILL)
