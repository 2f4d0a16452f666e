"""How to reach a case's resident, for followup's contact plan (R-FU-3): told on a topic of its
own (`CaseContactsChanged`, personal data) so that the case's lean facts stay lean. Made from
the signals' own data as delivered: the newest signal's name and address, and the newest phone
number and e-mail address any of them carries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from vroeg.matcher.models import CaseSignal
from vroeg.shared.events import (
    CaseChangeKind,
    CaseContactsChanged,
    CaseOpened,
    CaseUpdated,
    SignalRepeated,
)

# A case's contacts change only when its signals do.
_SIGNALS_CHANGED = frozenset({CaseChangeKind.SIGNAL_JOINED, CaseChangeKind.SIGNAL_MOVED_OUT})


def changed(
    events: Iterable[CaseOpened | CaseUpdated | SignalRepeated],
    signals_of: Callable[[UUID], Sequence[CaseSignal]],
) -> list[CaseContactsChanged]:
    """A CaseContactsChanged for each case opened or whose signals changed; `signals_of(case_id)`
    gives its signals."""
    found = []
    for event in events:
        if isinstance(event, CaseUpdated) and not any(
            c.kind in _SIGNALS_CHANGED for c in event.changes
        ):
            continue
        if isinstance(event, CaseOpened | CaseUpdated):
            found.append(
                of_case(
                    event.municipality,
                    event.case_id,
                    event.state.version,
                    signals_of(event.case_id),
                    event.occurred_at,
                )
            )
    return found


def of_case(
    municipality: str,
    case_id: UUID,
    version: int,
    signals: Sequence[CaseSignal],
    now: datetime,
) -> CaseContactsChanged:
    """The case's contacts from its signals (those already erased tell nothing)."""
    newest_first = [
        s.data for s in sorted(signals, key=lambda s: s.received_at, reverse=True) if s.data
    ]
    name = address = None
    if newest_first:
        name = _name(newest_first[0])
        address = _address_lines(newest_first[0].get("address") or {})
    return CaseContactsChanged(
        municipality=municipality,
        occurred_at=now,
        case_id=case_id,
        version=version,
        name=name,
        address_lines=address or (),
        phone=next((d["phone"] for d in newest_first if d.get("phone")), None),
        email=next((d["email"] for d in newest_first if d.get("email")), None),
    )


def _name(data: dict[str, Any]) -> str | None:
    debtor = data.get("debtor") or {}
    parts = [debtor.get(k) for k in ("voornamen", "voorvoegsel", "geslachtsnaam")]
    return " ".join(p for p in parts if p) or data.get("business_name") or None


def _address_lines(address: dict[str, Any]) -> tuple[str, ...]:
    """As PostNL wants it: street and number, then postcode and place in capitals."""
    if not address.get("postcode"):
        return ()
    number = f"{address['huisnummer']}{address.get('huisletter') or ''}"
    if address.get("toevoeging"):
        number += f"-{address['toevoeging']}"
    street = " ".join(p for p in (address.get("straat"), number) if p)
    postcode = f"{address['postcode'][:4]} {address['postcode'][4:]}"
    place = (address.get("woonplaats") or "").upper()
    return (street, f"{postcode}  {place}".strip())
