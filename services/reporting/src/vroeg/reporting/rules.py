"""Which counters an event moves, as pure functions (domain §9)."""

from __future__ import annotations

from vroeg.shared.events import (
    CaseOpened,
    Event,
    FirstContactDeadlineSet,
    SignalReceived,
    SignalRefused,
    SignalRouted,
)

SIGNALS = "signalen"
REFUSED_PREFIX = "niet_opgepakt."
CASES = "meldingen"
CRISIS_CASES = "crisismeldingen"
DEADLINES = "termijnen_gezet"
ROUTE_PREFIX = "route."


def metrics_for(event: Event) -> tuple[str, ...]:
    """The counters an event adds one to (CAK registrations never reach reporting, §3)."""
    if isinstance(event, SignalReceived):
        return (SIGNALS,)
    if isinstance(event, SignalRefused):
        return (f"{REFUSED_PREFIX}{event.reason.value}",)
    if isinstance(event, SignalRouted):
        return (f"{ROUTE_PREFIX}{event.route.value}",)
    if isinstance(event, CaseOpened):
        return (CASES, CRISIS_CASES) if event.state.crisis else (CASES,)
    if isinstance(event, FirstContactDeadlineSet):
        return (DEADLINES,)
    return ()
