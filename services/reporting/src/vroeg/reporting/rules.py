"""Which counters an event moves, as pure functions (domain §9)."""

from __future__ import annotations

from vroeg.shared.events import (
    CaseIntermediateResult,
    CaseOpened,
    ContactAttempted,
    DebtHelpSignalHandled,
    Event,
    FirstContactDeadlineSet,
    FirstContactDueSoon,
    FirstContactMet,
    FirstContactMissed,
    SignalForwarded,
    SignalReceived,
    SignalRefused,
    SignalRouted,
)

SIGNALS = "signalen"
REFUSED_PREFIX = "niet_opgepakt."
CASES = "meldingen"
CRISIS_CASES = "crisismeldingen"
DEADLINES = "termijnen_gezet"
DEADLINES_MET = "termijnen_gehaald"
DEADLINES_MET_LATE = "termijnen_te_laat_gehaald"
DEADLINES_MISSED = "termijnen_gemist"
DEADLINES_DUE_SOON = "termijnen_bijna_verlopen"
ATTEMPT_PREFIX = "contactpogingen."
ROUTE_PREFIX = "route."
INTERMEDIATE_RESULTS = "tussenresultaten"
INTERMEDIATE_NOT_REACHED = "tussenresultaten_niet_bereikt"
SHV_HANDLED_PREFIX = "shv_afgehandeld."
# Awb 2:3: relocated signals forwarded, or not, by outcome (FORWARDED, NOT_IN_REGISTRY, …).
FORWARDED_PREFIX = "doorgestuurd."


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
    if isinstance(event, FirstContactMet):
        return (DEADLINES_MET if event.on_time else DEADLINES_MET_LATE,)
    if isinstance(event, FirstContactMissed):
        return (DEADLINES_MISSED,)
    if isinstance(event, FirstContactDueSoon):
        return (DEADLINES_DUE_SOON,)
    if isinstance(event, ContactAttempted):
        return (f"{ATTEMPT_PREFIX}{event.kind.value}",)
    if isinstance(event, CaseIntermediateResult):
        return (
            (INTERMEDIATE_RESULTS,)
            if event.reached
            else (
                INTERMEDIATE_RESULTS,
                INTERMEDIATE_NOT_REACHED,
            )
        )
    if isinstance(event, DebtHelpSignalHandled):
        return (f"{SHV_HANDLED_PREFIX}{event.category.value}",)
    if isinstance(event, SignalForwarded):
        return (f"{FORWARDED_PREFIX}{event.outcome.value}",)
    return ()
