"""Which counters an event moves, as pure functions (domain §9)."""

from __future__ import annotations

from vroeg.shared.events import (
    CaseOpened,
    Event,
    FirstContactDeadlineSet,
    SignalKind,
    SignalReceived,
    SignalRouted,
)

SIGNALS = "signalen"
CAK_SIGNALS = "cak_signalen"
CASES = "meldingen"
CRISIS_CASES = "crisismeldingen"
DEADLINES = "termijnen_gezet"
ROUTE_PREFIX = "route."


def metrics_for(event: Event) -> tuple[str, ...]:
    """The counters an event adds one to. CAK signals stay out of vroegsignalering (§3)."""
    if isinstance(event, SignalReceived):
        return (CAK_SIGNALS,) if event.signal.kind == SignalKind.CAK_WANBETALER else (SIGNALS,)
    if isinstance(event, SignalRouted):
        return (f"{ROUTE_PREFIX}{event.route.value}",)
    if isinstance(event, CaseOpened):
        return (CASES, CRISIS_CASES) if event.crisis else (CASES,)
    if isinstance(event, FirstContactDeadlineSet):
        return (DEADLINES,)
    return ()
