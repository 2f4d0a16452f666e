"""The municipality's debt-help administration, behind an adapter (R-BRP-4).

`DebtHelpRegister` is what routing needs to know; `TableRegister`, the default, answers from a
table filled by an authenticated import (`PUT /v1/schuldhulp/{gemeente}/registraties`).
Another administration (a municipality's own system) plugs in by implementing the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.brp_check import repository


@dataclass(frozen=True)
class DebtHelpStatus:
    """A resident's standing with debt help: an active product, and the last final decision."""

    active_product: bool
    final_decision_on: date | None


class DebtHelpRegister(Protocol):
    """Looks a resident up in a municipality's debt-help administration."""

    async def status(
        self, session: AsyncSession, municipality: str, bsn: str
    ) -> DebtHelpStatus | None: ...


class TableRegister:
    """The default register: the imported table in brp-check's own schema."""

    async def status(
        self, session: AsyncSession, municipality: str, bsn: str
    ) -> DebtHelpStatus | None:
        row = await repository.get_debt_help(session, municipality, bsn)
        if row is None:
            return None
        return DebtHelpStatus(row.active_product, row.final_decision_on)
