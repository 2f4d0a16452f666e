"""Person records in the shape of BRP Personen v2 (`Persoon`), and the demo population."""

from __future__ import annotations

from datetime import date
from typing import Any

DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def full_date(value: date) -> dict[str, str]:
    """A v2 `VolledigeDatum`."""
    return {
        "type": "Datum",
        "datum": value.isoformat(),
        "langFormaat": f"{value.day} {DUTCH_MONTHS[value.month - 1]} {value.year}",
    }


def person(
    *,
    bsn: str,
    voornamen: str,
    geslachtsnaam: str,
    geboortedatum: date,
    gemeente: tuple[str, str],
    postcode: str,
    huisnummer: int,
    address_key: str,
    voorvoegsel: str | None = None,
    huisletter: str | None = None,
    suspension: tuple[str, str, date] | None = None,
    straat: str = "Dorpsstraat",
    woonplaats: str = "Amsterdam",
) -> dict[str, Any]:
    """One `Persoon` with an address in the Netherlands (suspension: code, text, date)."""
    naam: dict[str, Any] = {"voornamen": voornamen, "geslachtsnaam": geslachtsnaam}
    if voorvoegsel:
        naam["voorvoegsel"] = voorvoegsel
    address: dict[str, Any] = {
        "officieleStraatnaam": straat,
        "korteStraatnaam": straat,
        "huisnummer": huisnummer,
        "postcode": postcode,
        "woonplaats": woonplaats,
    }
    if huisletter:
        address["huisletter"] = huisletter
    record: dict[str, Any] = {
        "burgerservicenummer": bsn,
        "naam": naam,
        "geboorte": {"datum": full_date(geboortedatum)},
        "gemeenteVanInschrijving": {"code": gemeente[0], "omschrijving": gemeente[1]},
        "verblijfplaats": {
            "type": "Adres",
            "verblijfadres": address,
            "adresseerbaarObjectIdentificatie": address_key,
        },
    }
    if suspension is not None:
        code, text, on = suspension
        record["opschortingBijhouding"] = {
            "reden": {"code": code, "omschrijving": text},
            "datum": full_date(on),
        }
        if code == "O":
            record["overlijden"] = {"datum": full_date(on)}
    return record


AMSTERDAM = ("0363", "Amsterdam")
ROTTERDAM = ("0599", "Rotterdam")


def demo_population() -> list[dict[str, Any]]:
    """A handful of persons that exercise every route for municipality 0363 (Amsterdam)."""
    return [
        person(
            bsn="999990019",
            voornamen="Piet",
            geslachtsnaam="Jansen",
            geboortedatum=date(1980, 5, 1),
            gemeente=AMSTERDAM,
            postcode="1012AB",
            huisnummer=1,
            address_key="0363010000000001",
        ),
        person(
            bsn="999990020",
            voornamen="Sara",
            geslachtsnaam="Jansen",
            geboortedatum=date(2012, 8, 14),
            gemeente=AMSTERDAM,
            postcode="1012AB",
            huisnummer=1,
            address_key="0363010000000001",
        ),
        person(
            bsn="999990032",
            voornamen="Anna",
            geslachtsnaam="Vries",
            voorvoegsel="de",
            geboortedatum=date(1950, 2, 2),
            gemeente=AMSTERDAM,
            postcode="1012AB",
            huisnummer=3,
            address_key="0363010000000003",
            suspension=("O", "overlijden", date(2026, 10, 1)),
        ),
        person(
            bsn="999990044",
            voornamen="Kees",
            geslachtsnaam="Bakker",
            geboortedatum=date(1975, 7, 7),
            gemeente=ROTTERDAM,
            postcode="3011AA",
            huisnummer=10,
            address_key="0599010000000010",
            woonplaats="Rotterdam",
        ),
        person(
            bsn="999990056",
            voornamen="Lisa",
            geslachtsnaam="Smit",
            geboortedatum=date(2009, 3, 3),
            gemeente=AMSTERDAM,
            postcode="1012AC",
            huisnummer=5,
            address_key="0363010000000005",
        ),
        person(
            bsn="999990068",
            voornamen="Jan",
            geslachtsnaam="Smit",
            geboortedatum=date(1982, 1, 9),
            gemeente=AMSTERDAM,
            postcode="1012AC",
            huisnummer=5,
            address_key="0363010000000005",
        ),
        person(
            bsn="999990071",
            voornamen="Joost",
            geslachtsnaam="Visser",
            geboortedatum=date(1990, 11, 11),
            gemeente=AMSTERDAM,
            postcode="1012AD",
            huisnummer=7,
            address_key="0363010000000007",
            suspension=("E", "emigratie", date(2025, 6, 1)),
        ),
        person(
            bsn="999990083",
            voornamen="Eva",
            geslachtsnaam="Mulder",
            geboortedatum=date(1985, 4, 4),
            gemeente=AMSTERDAM,
            postcode="1012AE",
            huisnummer=9,
            address_key="0363010000000009",
        ),
        person(
            bsn="999990095",
            voornamen="Eline",
            geslachtsnaam="Mulder",
            geboortedatum=date(1985, 4, 4),
            gemeente=AMSTERDAM,
            postcode="1012AF",
            huisnummer=11,
            address_key="0363010000000011",
        ),
    ]
