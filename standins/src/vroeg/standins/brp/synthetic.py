"""A synthetic population of our own, from a few persons up to millions, deterministic per seed.

Households live in dwellings of one or more municipalities, in the make-up of Dutch household
statistics (CBS, roughly): 39 % one person, 29 % a couple, 24.5 % a couple with children,
7.5 % one parent with children (one to four, some of them adults still at home). Surnames
follow the Dutch frequency distribution (`names`); partners keep their own surname, as the BRP
records it; children carry a parent's. Each dwelling has an addressable object id (16 digits:
municipality code, `01`, a sequence), a street, a postcode in its municipality's PC4 areas and a
house number. A share of persons is deceased (more among the old), emigrated (then with no
Dutch address), and 3 % of households moved to another municipality: they are registered
there, while creditors may still write to the address they left. BSNs pass the eleven test.

`build_population` gives the compact model (what a signal generator needs); `records` turns
it into `Persoon` records of BRP Personen v2 that share their address and municipality parts,
so that a million persons fit in the stand-in's memory.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from vroeg.standins.brp import municipalities as mun
from vroeg.standins.brp.municipalities import Municipality
from vroeg.standins.brp.names import Surname, first_name, street_name, surnames
from vroeg.standins.brp.population import full_date

DEFAULT_MUNICIPALITIES = "0518"
# Where a one-municipality population's movers went.
NEIGHBOURS = ("0363", "0599", "0344", "0772", "0014")
TODAY = date(2026, 11, 27)

HOUSEHOLD_TYPES = (("single", 0.39), ("couple", 0.29), ("family", 0.245), ("parent", 0.075))
CHILDREN = ((1, 0.40), (2, 0.42), (3, 0.14), (4, 0.04))
MOVED_SHARE = 0.03
DWELLINGS_PER_PC6 = 16
FLATS_EVERY = 7  # one postcode in seven is a block of flats
# PC6 letter pairs the Dutch postcode never uses.
_UNUSED_LETTERS = frozenset({"SA", "SD", "SS"})
_LETTERS = [
    a + b
    for a in "ABCDEFGHJKLMNPRSTVWXZ"
    for b in "ABCDEFGHJKLMNPRSTVWXZ"
    if a + b not in _UNUSED_LETTERS
]


@dataclass(slots=True)
class Resident:
    """One person; `suspension` is `O` (deceased) or `E` (emigrated) from `suspended_on`."""

    bsn: str
    voornamen: str
    surname: Surname
    born: date
    suspension: str | None = None
    suspended_on: date | None = None


@dataclass(slots=True)
class Dwelling:
    """An address and the persons registered at it."""

    key: str
    municipality: Municipality
    street: str
    postcode: str
    huisnummer: int
    huisletter: str | None
    residents: list[Resident] = field(default_factory=list)
    # A household that moved: the address it left, in another municipality (nobody there now).
    moved_from: Dwelling | None = None


@dataclass
class Population:
    """The municipalities, the surnames and every dwelling with its residents."""

    municipalities: list[Municipality]
    surnames: list[Surname]
    dwellings: list[Dwelling]
    today: date

    @cached_property
    def persons(self) -> int:
        """How many persons, the deceased and emigrated included."""
        return sum(len(d.residents) for d in self.dwellings)

    def records(self) -> Iterator[dict[str, Any]]:
        """Every person as a BRP Personen v2 `Persoon` record."""
        places: dict[str, dict[str, str]] = {}
        dates: dict[date, dict[str, Any]] = {}

        def datum(day: date) -> dict[str, Any]:
            """`{"datum": <v2 date>}`, one shared object per day (the records only read it)."""
            found = dates.get(day)
            if found is None:
                found = dates[day] = {"datum": full_date(day)}
            return found

        for dwelling in self.dwellings:
            town = dwelling.municipality
            registered = places.get(town.code)
            if registered is None:
                registered = places[town.code] = {"code": town.code, "omschrijving": town.name}
            address: dict[str, Any] = {
                "officieleStraatnaam": dwelling.street,
                "korteStraatnaam": dwelling.street,
                "huisnummer": dwelling.huisnummer,
                "postcode": dwelling.postcode,
                "woonplaats": town.name,
            }
            if dwelling.huisletter:
                address["huisletter"] = dwelling.huisletter
            residence = {
                "type": "Adres",
                "verblijfadres": address,
                "adresseerbaarObjectIdentificatie": dwelling.key,
            }
            for person in dwelling.residents:
                naam: dict[str, Any] = {"voornamen": person.voornamen}
                if person.surname.prefix:
                    naam["voorvoegsel"] = person.surname.prefix
                naam["geslachtsnaam"] = person.surname.name
                record: dict[str, Any] = {
                    "burgerservicenummer": person.bsn,
                    "naam": naam,
                    "geboorte": datum(person.born),
                }
                if person.suspension != "E":
                    record["gemeenteVanInschrijving"] = registered
                    record["verblijfplaats"] = residence
                if person.suspension is not None and person.suspended_on is not None:
                    on = datum(person.suspended_on)["datum"]
                    deceased = person.suspension == "O"
                    record["opschortingBijhouding"] = {
                        "reden": {
                            "code": person.suspension,
                            "omschrijving": "overlijden" if deceased else "emigratie",
                        },
                        "datum": on,
                    }
                    if deceased:
                        record["overlijden"] = {"datum": on}
                yield record


def synthetic_population(
    size: int,
    *,
    seed: int = 1,
    municipalities: str = DEFAULT_MUNICIPALITIES,
    today: date = TODAY,
) -> Iterator[dict[str, Any]]:
    """`size` persons as `Persoon` records; the same arguments give the same persons."""
    return build_population(size, seed=seed, municipalities=municipalities, today=today).records()


def build_population(
    size: int,
    *,
    seed: int = 1,
    municipalities: str = DEFAULT_MUNICIPALITIES,
    today: date = TODAY,
    surname_count: int | None = None,
) -> Population:
    """About `size` persons (never fewer, at most a household more) in the municipalities of
    the specification (`municipalities.parse`), in proportion to their inhabitants."""
    towns = mun.parse(municipalities)
    elsewhere: list[Municipality] = []
    if len(towns) == 1:  # movers need somewhere to go; postcodes are handed out jointly
        others = [code for code in NEIGHBOURS if code != towns[0].code]
        joint = mun.parse(",".join([municipalities, *others]))
        towns, elsewhere = joint[:1], joint[1:]
    rng = random.Random(seed)
    names, weights = surnames(surname_count or _surname_count(size), seed=seed)
    builder = _Builder(rng, names, weights, today)
    total = sum(t.inhabitants for t in towns)
    dwellings: list[Dwelling] = []
    made = 0
    for index, town in enumerate(towns):
        share = size - made if index == len(towns) - 1 else round(size * town.inhabitants / total)
        goal = made + share
        destinations = [t for t in towns if t is not town] or elsewhere
        while made < goal or (index == len(towns) - 1 and made < size):
            dwelling = builder.dwelling(town)
            if rng.random() < MOVED_SHARE and destinations:
                gone = rng.choice(destinations)
                left, dwelling = dwelling, builder.empty_dwelling(gone)
                dwelling.residents, left.residents = left.residents, []
                dwelling.moved_from = left
            dwellings.append(dwelling)
            made += len(dwelling.residents)
    return Population(towns + elsewhere, names, dwellings, today)


def _surname_count(size: int) -> int:
    """Surnames for a population: thousands, more for a larger one (the real country has
    hundreds of thousands for 17.9 million)."""
    return max(2_000, min(40_000, size // 50))


class _Builder:
    """Makes dwellings with their households, one after another."""

    def __init__(
        self, rng: random.Random, names: list[Surname], weights: list[float], today: date
    ) -> None:
        self.rng = rng
        self.names = names
        self.cumulative = list(itertools.accumulate(weights))
        self.today = today
        self.today_ordinal = today.toordinal()
        self.sequence: dict[str, int] = {}
        self.bsn = itertools.count(10_000_000)
        self.types = [t for t, _ in HOUSEHOLD_TYPES]
        self.type_weights = list(itertools.accumulate(w for _, w in HOUSEHOLD_TYPES))
        self.streets: dict[str, str] = {}

    def surname(self) -> Surname:
        return self.names[
            min(len(self.names) - 1, bisect.bisect(self.cumulative, self.rng.random()))
        ]

    def next_bsn(self) -> str:
        """The next BSN that passes the eleven test (9·d1 + … + 2·d8 − d9 ≡ 0 mod 11)."""
        while True:
            base = next(self.bsn)
            check = (_HIGH[base // 10_000] + _LOW[base % 10_000]) % 11
            if check < 10:
                return f"{base}{check}"

    def empty_dwelling(self, town: Municipality) -> Dwelling:
        n = self.sequence.get(town.code, 0)
        self.sequence[town.code] = n + 1
        pc6 = n // DWELLINGS_PER_PC6
        pc4 = town.pc4[pc6 % len(town.pc4)]
        letters = _LETTERS[pc6 // len(town.pc4) % len(_LETTERS)]
        postcode = f"{pc4}{letters}"
        street = self.streets.get(postcode)
        if street is None:
            street = self.streets[postcode] = street_name(self.rng)
        number = pc6 // (len(town.pc4) * len(_LETTERS)) * DWELLINGS_PER_PC6 + n % DWELLINGS_PER_PC6
        letter = None
        if pc6 % FLATS_EVERY == FLATS_EVERY - 1:  # a block of flats: 1A, 1B, 3A, 3B, …
            number, letter = number // 2, "AB"[number % 2]
        return Dwelling(
            key=f"{town.code}01{n + 1:010d}",
            municipality=town,
            street=street,
            postcode=postcode,
            huisnummer=number * 2 + 1,
            huisletter=letter,
        )

    def dwelling(self, town: Municipality) -> Dwelling:
        dwelling = self.empty_dwelling(town)
        rng = self.rng
        kind = self.types[bisect.bisect(self.type_weights, rng.random() * self.type_weights[-1])]
        head_name = self.surname()
        if kind == "single":
            age = _between(rng, *rng.choice(((18, 34), (35, 64), (65, 96))))
            dwelling.residents.append(self.person(age, head_name, rng.random() < 0.5))
            return dwelling
        head_age = _between(rng, 24, 90 if kind == "couple" else 56)
        woman = rng.random() < (0.85 if kind == "parent" else 0.5)
        dwelling.residents.append(self.person(head_age, head_name, woman))
        if kind != "parent":
            partner_age = max(18, head_age + _between(rng, -6, 6))
            partner_name = head_name if rng.random() < 0.2 else self.surname()
            dwelling.residents.append(self.person(partner_age, partner_name, not woman))
        if kind in ("family", "parent"):
            count = _pick(rng, CHILDREN)
            oldest = min(head_age - 20, 25)
            for _ in range(count):
                age = _between(rng, 0, max(0, oldest))
                dwelling.residents.append(self.person(age, head_name, rng.random() < 0.5))
        return dwelling

    def person(self, age: int, surname: Surname, woman: bool) -> Resident:
        roll = self.rng.random
        born = date.fromordinal(self.today_ordinal - age * 365 - int(roll() * 365))
        resident = Resident(self.next_bsn(), first_name(self.rng, born.year, woman), surname, born)
        dies = 0.12 if age >= 80 else 0.04 if age >= 65 else 0.004
        leaves = 0.012 if 20 <= age <= 45 else 0.002
        fate = roll()
        if fate < dies + leaves:
            resident.suspension = "O" if fate < dies else "E"
            resident.suspended_on = date.fromordinal(self.today_ordinal - 1 - int(roll() * 900))
        return resident


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive (`randint` without its overhead)."""
    return low + int(rng.random() * (high - low + 1))


def _weighted_digits(number: int, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(f"{number:04d}", weights, strict=True))


# The eleven test's weighted sum of a BSN's first eight digits, by their high and low halves.
_HIGH = [_weighted_digits(n, (9, 8, 7, 6)) for n in range(10_000)]
_LOW = [_weighted_digits(n, (5, 4, 3, 2)) for n in range(10_000)]


def _pick(rng: random.Random, table: tuple[tuple[int, float], ...]) -> int:
    roll = rng.random() * sum(w for _, w in table)
    for value, weight in table:
        roll -= weight
        if roll < 0:
            return value
    return table[-1][0]
