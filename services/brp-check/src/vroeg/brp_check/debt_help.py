"""The municipality's debt-help administration, behind an adapter (R-BRP-4).

`DebtHelpRegister` is what routing needs to know; `TableRegister`, the default, answers from a
table filled by an authenticated import (`PUT /v1/schuldhulp/{gemeente}/registraties`, JSON or
the CSV export of the administration).
Another administration (a municipality's own system) plugs in by implementing the protocol.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

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

    async def statuses(
        self, session: AsyncSession, people: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], DebtHelpStatus]:
        """The standing of each (municipality, BSN) known to debt help, at once."""
        ...


class TableRegister:
    """The default register: the imported table in brp-check's own schema."""

    async def status(
        self, session: AsyncSession, municipality: str, bsn: str
    ) -> DebtHelpStatus | None:
        row = await repository.get_debt_help(session, municipality, bsn)
        if row is None:
            return None
        return DebtHelpStatus(row.active_product, row.final_decision_on)

    async def statuses(
        self, session: AsyncSession, people: Collection[tuple[str, str]]
    ) -> dict[tuple[str, str], DebtHelpStatus]:
        rows = await repository.debt_help_of(session, people)
        return {
            (r.municipality, r.bsn): DebtHelpStatus(r.active_product, r.final_decision_on)
            for r in rows
        }


CSV_COLUMNS = ("bsn", "activeProduct", "finalDecisionOn")
_BOOLEANS = {"true": True, "false": False, "ja": True, "nee": False, "1": True, "0": False}


class CsvError(ValueError):
    """The CSV is not in the import's shape; the message names the line."""


def registrations_from_csv(data: bytes) -> dict[str, Any]:
    """A CSV export as the JSON import's body, to be validated the same way.

    The header is `bsn,activeProduct,finalDecisionOn` (comma or semicolon, as spreadsheets
    write it); `activeProduct` is true/false (or ja/nee, 1/0); an empty date is none.
    """
    try:
        lines = data.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise CsvError("the CSV must be UTF-8") from exc
    if not lines:
        raise CsvError("the CSV is empty; it needs at least its header")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter, restkey="_extra")
    try:
        return {"registraties": _rows(reader, delimiter)}
    except csv.Error as exc:  # a NUL, an unclosed quote, an oversized field, …
        raise CsvError(f"the CSV cannot be read after line {reader.line_num}") from exc


def _rows(reader: csv.DictReader[str], delimiter: str) -> list[dict[str, Any]]:
    header = [name.strip() for name in reader.fieldnames or ()]
    if header != list(CSV_COLUMNS):
        raise CsvError(f"the header must be {delimiter.join(CSV_COLUMNS)}")
    rows = []
    for row in reader:
        if "_extra" in row or None in row.values():
            raise CsvError(f"line {reader.line_num} must have {len(CSV_COLUMNS)} fields")
        active = row["activeProduct"].strip()
        rows.append(
            {
                "bsn": row["bsn"].strip(),
                "activeProduct": _BOOLEANS.get(active.lower(), active),
                "finalDecisionOn": row["finalDecisionOn"].strip() or None,
            }
        )
    return rows
