"""A synthetic population of our own, from a few persons up to millions, deterministic per seed.

Households live at addresses (one to five persons sharing a surname, children among them);
a share of persons is deceased, registered in another municipality, or emigrated (then with
no Dutch address). Records have the `Persoon` shape of BRP Personen v2.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from vroeg.standins.brp.population import person

SURNAMES = (
    "Jansen",
    "de Vries",
    "van den Berg",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "van de Ven",
    "Hoekstra",
    "Maas",
    "Verhoeven",
    "Koster",
    "van Dam",
    "van der Wal",
    "Prins",
    "Blom",
    "Huisman",
    "Peeters",
    "de Jong",
    "El Amrani",
    "Yilmaz",
    "Kaya",
    "Nguyen",
    "Ramdin",
    "Pinas",
    "Öztürk",
)
FIRST_NAMES = (
    "Anna",
    "Emma",
    "Julia",
    "Sophie",
    "Lotte",
    "Noor",
    "Fatima",
    "Sara",
    "Eva",
    "Lisa",
    "Daan",
    "Sem",
    "Lucas",
    "Levi",
    "Finn",
    "Milan",
    "Mohammed",
    "Thomas",
    "Jan",
    "Piet",
    "Kees",
    "Joost",
    "Ahmed",
    "Yusuf",
    "Mees",
    "Bram",
    "Ruben",
    "Tim",
    "Fleur",
    "Iris",
    "Mila",
    "Zoë",
)
ELSEWHERE = (
    ("0363", "Amsterdam"),
    ("0599", "Rotterdam"),
    ("0344", "Utrecht"),
    ("0772", "Eindhoven"),
    ("0014", "Groningen"),
)


def synthetic_population(
    size: int,
    *,
    seed: int = 1,
    municipality: tuple[str, str] = ("0518", "'s-Gravenhage"),
    today: date = date(2026, 11, 27),
) -> Iterator[dict[str, Any]]:
    """`size` persons; the same seed gives the same persons."""
    rng = random.Random(seed)
    made = address = 0
    while made < size:
        address += 1
        surname = rng.choice(SURNAMES)
        prefix, _, name = (
            surname.rpartition(" ") if surname.startswith(("de ", "van ")) else ("", "", surname)
        )
        home = municipality if rng.random() > 0.05 else rng.choice(ELSEWHERE)
        postcode = (
            f"{1000 + address // 400 % 9000}{chr(65 + address // 20 % 26)}{chr(65 + address % 26)}"
        )
        members = min(size - made, rng.choice((1, 1, 2, 2, 3, 4, 5)))
        for member in range(members):
            adult = member < 2 or rng.random() < 0.3
            age_days = (
                rng.randint(18 * 365 + 5, 90 * 365) if adult else rng.randint(0, 18 * 365 - 5)
            )
            fate = rng.random()
            suspension = None
            if fate < 0.01:
                suspension = ("O", "overlijden", today - timedelta(days=rng.randint(1, 900)))
            elif fate < 0.015:
                suspension = ("E", "emigratie", today - timedelta(days=rng.randint(1, 900)))
            record = person(
                bsn=f"{100_000_000 + made:09d}",
                voornamen=rng.choice(FIRST_NAMES),
                voorvoegsel=prefix or None,
                geslachtsnaam=name,
                geboortedatum=today - timedelta(days=age_days),
                gemeente=home,
                postcode=postcode,
                huisnummer=address % 400 + 1,
                address_key=f"{home[0]}01{address:010d}",
                suspension=suspension,
                woonplaats=home[1],
            )
            if suspension is not None and suspension[0] == "E":
                del record["verblijfplaats"]  # no Dutch address any more
                del record["gemeenteVanInschrijving"]
            made += 1
            yield record
