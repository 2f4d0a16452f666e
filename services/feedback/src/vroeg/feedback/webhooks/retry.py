"""The retry policy of webhook deliveries, as pure functions."""

from __future__ import annotations

import random
from datetime import datetime, timedelta


def backoff(attempts: int, *, first_s: float, max_s: float, draw: float | None = None) -> float:
    """The pause after the `attempts`-th failed attempt: exponential, capped, with jitter
    (between half and all of it; `draw` in [0, 1) fixes the draw)."""
    full = min(max_s, first_s * 2.0 ** max(0, attempts - 1))
    return full * (0.5 + 0.5 * (random.random() if draw is None else draw))


def next_attempt(
    now: datetime, attempts: int, retry_until: datetime, *, first_s: float, max_s: float
) -> datetime | None:
    """When to try again after a failed attempt, or None: the policy ran out, park it. The
    last try is at the end of the window, never after it."""
    if now >= retry_until:
        return None
    pause = timedelta(seconds=backoff(attempts, first_s=first_s, max_s=max_s))
    return min(now + pause, retry_until)
