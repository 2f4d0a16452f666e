"""The synthetic BRP population: deterministic per seed, Dutch in its names and households,
every kind of person the routes need, and served by the stand-in from its indexes."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import httpx
import pytest

from vroeg.standins.brp.app import BASE_PATH, create_app
from vroeg.standins.brp.municipalities import NATIONAL_COUNT, national, parse
from vroeg.standins.brp.names import COMMON_SURNAMES, surnames
from vroeg.standins.brp.store import PersonStore
from vroeg.standins.brp.synthetic import Population, build_population, synthetic_population


@pytest.fixture(scope="module")
def population() -> Population:
    return build_population(60_000, seed=5, municipalities="0363:900000,0599:650000,0014")


def test_the_same_seed_gives_the_same_persons_and_another_seed_others() -> None:
    first = list(synthetic_population(3_000, seed=11, municipalities="0344"))
    assert first == list(synthetic_population(3_000, seed=11, municipalities="0344"))
    other = list(synthetic_population(3_000, seed=12, municipalities="0344"))
    assert first != other


def test_surnames_are_thousands_in_a_dutch_frequency_distribution(
    population: Population,
) -> None:
    names, weights = surnames(20_000)
    assert len(set(names)) == 20_000
    assert (names[0].prefix, names[0].name) == ("de", "Jong")
    assert max(weights) == weights[0]  # de Jong leads
    assert abs(sum(weights) - 1) < 1e-9
    head = sum(weights[: len(COMMON_SURNAMES)])
    assert 0.07 < head < 0.13  # the common names carry about a tenth, as in the country
    carried = Counter(p.surname for d in population.dwellings for p in d.residents)
    assert len(carried) > 1_000
    jong_share = sum(n for s, n in carried.items() if s.name == "Jong") / population.persons
    assert 0.003 < jong_share < 0.007
    prefixes = Counter(s.prefix for s in carried)
    assert {"van", "de", "van der", "van den"} <= set(prefixes)


def test_few_persons_share_a_surname_and_a_birth_date(population: Population) -> None:
    keys = Counter(
        (p.surname.name.lower(), p.born) for d in population.dwellings for p in d.residents
    )
    with_namesake = sum(n for n in keys.values() if n > 1)
    assert 0 < with_namesake / population.persons < 0.02


def test_households_follow_dutch_household_statistics(population: Population) -> None:
    sizes = Counter(len(d.residents) for d in population.dwellings)
    dwellings = len(population.dwellings)
    assert 0.35 < sizes[1] / dwellings < 0.43  # CBS: 39 % one-person households
    assert 2.0 < population.persons / dwellings < 2.4  # CBS: 2.1 persons a household
    today = population.today
    minors = [
        p for d in population.dwellings for p in d.residents if (today - p.born).days < 18 * 365
    ]
    assert 0.15 < len(minors) / population.persons < 0.25
    fates = Counter(p.suspension for d in population.dwellings for p in d.residents)
    assert 0.005 < fates["O"] / population.persons < 0.04
    assert 0.002 < fates["E"] / population.persons < 0.02
    movers = [d for d in population.dwellings if d.moved_from is not None]
    assert 0.02 < len(movers) / dwellings < 0.04
    assert all(d.moved_from.municipality != d.municipality for d in movers if d.moved_from)


def test_addresses_are_keyed_and_placed_in_their_municipality(population: Population) -> None:
    keys = [d.key for d in population.dwellings]
    assert len(set(keys)) == len(keys)
    addresses = {(d.postcode, d.huisnummer, d.huisletter) for d in population.dwellings}
    assert len(addresses) == len(keys)
    for dwelling in population.dwellings:
        town = dwelling.municipality
        assert re.fullmatch(rf"{town.code}01\d{{10}}", dwelling.key)
        assert int(dwelling.postcode[:4]) in town.pc4
        assert re.fullmatch(r"[1-9]\d{3}[A-Z]{2}", dwelling.postcode)
    towns = Counter(d.municipality.code for d in population.dwellings if d.moved_from is None)
    assert towns["0363"] > towns["0599"] > towns["0014"]


def test_bsns_are_unique_and_pass_the_eleven_test(population: Population) -> None:
    bsns = [p.bsn for d in population.dwellings for p in d.residents]
    assert len(set(bsns)) == len(bsns)
    for bsn in bsns[:5_000]:
        total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1), strict=True))
        assert (total - int(bsn[8])) % 11 == 0


def test_a_national_population_spreads_over_340_municipalities() -> None:
    towns = national()
    assert len(towns) == NATIONAL_COUNT == len({t.code for t in towns})
    assert 17_000_000 < sum(t.inhabitants for t in towns) < 18_500_000
    assert max(towns, key=lambda t: t.inhabitants).code == "0363"
    areas = [n for t in towns for n in t.pc4]
    assert len(areas) == len(set(areas))
    people = build_population(20_000, municipalities="national")
    assert len({d.municipality.code for d in people.dwellings}) > 250
    with pytest.raises(ValueError, match="not a CBS municipality code"):
        parse("Amsterdam")


async def test_the_stand_in_finds_a_synthetic_household_by_its_indexes(
    population: Population,
) -> None:
    store = PersonStore(population.records())
    dwelling = next(d for d in population.dwellings if len(d.residents) >= 3)
    person = dwelling.residents[0]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(store)),
        base_url=f"http://brp{BASE_PATH}",
        headers={"Content-Type": "application/json; charset=utf-8"},
    ) as brp:

        async def ask(query: dict[str, Any]) -> list[dict[str, Any]]:
            content = json.dumps(query | {"fields": ["burgerservicenummer"]})
            response = await brp.post("/personen", content=content)
            assert response.status_code == 200, response.text
            found: list[dict[str, Any]] = response.json()["personen"]
            return found

        household = await ask(
            {
                "type": "ZoekMetAdresseerbaarObjectIdentificatie",
                "adresseerbaarObjectIdentificatie": dwelling.key,
            }
        )
        living = [p.bsn for p in dwelling.residents if p.suspension is None]
        assert sorted(p["burgerservicenummer"] for p in household) == sorted(living)
        named = await ask(
            {
                "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
                "geslachtsnaam": person.surname.name,
                "geboortedatum": person.born.isoformat(),
                "inclusiefOverledenPersonen": True,
            }
        )
        assert person.bsn in [p["burgerservicenummer"] for p in named]
