"""RvIG's BRP test population (GBA-V LO3 columns) converted to BRP Personen v2 `Persoon`.

The CSV has one row per category occurrence: a person's first row (`Lg01_…` or `LG01_…`)
column) holds the current values; the rows after it, up to the next person, are history and
are not loaded. Columns are LO3 element numbers (e.g. `01.01.20` burgerservicenummer).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from vroeg.standins.brp.population import DUTCH_MONTHS

SUSPENSION_TEXT = {
    "O": "overlijden",
    "E": "emigratie",
    "R": "pl is aangelegd in de rni",
    "F": "fout",
    "M": "ministerieel besluit",
    "W": "wissen",
}


def load_rvig(csv_path: Path, municipalities_path: Path | None = None) -> list[dict[str, Any]]:
    """Every person of the test population, as `Persoon` records.

    Two person lists carry no BSN (one marked for deletion, `W`); no answer of the API can
    hold a person without one, so they are not loaded.
    """
    names = _municipality_names(municipalities_path) if municipalities_path else {}
    return [_person(row, names) for row in _current_rows(csv_path) if row.get("01.01.20")]


def _current_rows(csv_path: Path) -> Iterator[dict[str, str]]:
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        header = next(reader)
        for values in reader:
            if values and values[0].upper().startswith("LG01"):
                # Some element numbers occur twice; the first occurrence is the current one.
                row: dict[str, str] = {}
                for name, value in zip(header, values, strict=False):
                    row.setdefault(name, value)
                yield row


def _municipality_names(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row[0]: row[1] for row in list(csv.reader(handle))[1:]}


def gba_date(value: str) -> dict[str, Any] | None:
    """An LO3 date (yyyymmdd, 00 for unknown parts) as a v2 polymorphic date."""
    if not value or len(value) != 8 or not value.isdigit():
        return None
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
    if year == 0:
        return {"type": "DatumOnbekend", "onbekend": True, "langFormaat": "onbekend"}
    if month == 0:
        return {"type": "JaarDatum", "jaar": year, "langFormaat": str(year)}
    if day == 0:
        return {
            "type": "JaarMaandDatum",
            "jaar": year,
            "maand": month,
            "langFormaat": f"{DUTCH_MONTHS[month - 1]} {year}",
        }
    return {
        "type": "Datum",
        "datum": f"{year:04d}-{month:02d}-{day:02d}",
        "langFormaat": f"{day} {DUTCH_MONTHS[month - 1]} {year}",
    }


def _person(row: dict[str, str], names: dict[str, str]) -> dict[str, Any]:
    person: dict[str, Any] = {"burgerservicenummer": row["01.01.20"]}
    naam = {
        k: row[col]
        for k, col in (
            ("voornamen", "01.02.10"),
            ("voorvoegsel", "01.02.30"),
            ("geslachtsnaam", "01.02.40"),
        )
        if row.get(col)
    }
    if naam:
        person["naam"] = naam
    born = gba_date(row.get("01.03.10", ""))
    if born:
        person["geboorte"] = {"datum": born}
    died = gba_date(row.get("06.08.10", ""))
    if died:
        person["overlijden"] = {"datum": died}
    reason = row.get("07.67.20", "")
    if reason:
        suspension: dict[str, Any] = {
            "reden": {"code": reason, "omschrijving": SUSPENSION_TEXT.get(reason, "onbekend")}
        }
        since = gba_date(row.get("07.67.10", ""))
        if since:
            suspension["datum"] = since
        person["opschortingBijhouding"] = suspension
    code = row.get("08.09.10", "")
    if code:
        municipality = {"code": code}
        if names.get(code):
            municipality["omschrijving"] = names[code]
        person["gemeenteVanInschrijving"] = municipality
    if row.get("08.11.60") and row.get("08.11.20", "").isdigit():
        address: dict[str, Any] = {"postcode": row["08.11.60"], "huisnummer": int(row["08.11.20"])}
        for key, col in (
            ("officieleStraatnaam", "08.11.15"),
            ("korteStraatnaam", "08.11.10"),
            ("huisletter", "08.11.30"),
            ("huisnummertoevoeging", "08.11.40"),
            ("woonplaats", "08.11.70"),
        ):
            if row.get(col):
                address[key] = row[col]
        residence: dict[str, Any] = {"type": "Adres", "verblijfadres": address}
        if row.get("08.11.80"):
            residence["adresseerbaarObjectIdentificatie"] = row["08.11.80"]
        if row.get("08.11.90"):
            residence["nummeraanduidingIdentificatie"] = row["08.11.90"]
        person["verblijfplaats"] = residence
    return person
