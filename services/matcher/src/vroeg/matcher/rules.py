"""How signals become cases, as pure functions (domain §6)."""

from __future__ import annotations

from collections.abc import Iterable

from vroeg.shared.events import CRISIS_KINDS, Address, CaseFlag, Household, Route, SignalKind

ROUTES_WITH_CASE = frozenset({Route.RESIDENT, Route.DECEASED, Route.MINOR})
_FLAGS = {Route.DECEASED: CaseFlag.OVERLEDEN, Route.MINOR: CaseFlag.MINDERJARIG}


def household_key(address: Address, household: Household | None) -> str:
    """R-MAT-1: the BRP's addressable object where known, else the normalised address."""
    if household is not None:
        return f"aoid:{household.address_key}"
    parts = [
        address.postcode.replace(" ", "").upper(),
        str(address.huisnummer),
        (address.huisletter or "").upper(),
        (address.toevoeging or "").upper().replace(" ", ""),
    ]
    return "adres:" + "-".join(parts)


def flags_for(route: Route) -> tuple[CaseFlag, ...]:
    """R-BRP-2, R-BRP-3: a deceased debtor or a minor marks the case."""
    flag = _FLAGS.get(route)
    return (flag,) if flag else ()


def is_crisis(kinds: Iterable[SignalKind]) -> bool:
    """R-MAT-4: an announced disconnection or eviction makes a case a crisis."""
    return any(kind in CRISIS_KINDS for kind in kinds)
