"""The BRP stand-in answers as the official BRP Personen v2 OpenAPI document says it must."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from vroeg.standins.brp import spec as spec_module
from vroeg.standins.brp.app import BASE_PATH, create_app
from vroeg.standins.brp.population import demo_population
from vroeg.standins.brp.rvig import gba_date, load_rvig
from vroeg.standins.brp.store import PersonStore
from vroeg.standins.brp.synthetic import synthetic_population

# The reference material lies beside the project: ../shared/ref (see DEVELOPERS.md).
SPEC_PATH = Path(__file__).resolve().parents[3] / "shared/ref/brp-personen-v2/openapi.json"


async def as_the_spec_says(request: httpx.Request) -> None:
    """Send JSON bodies as the spec's only request media type (`requestBody.content`)."""
    if request.headers.get("Content-Type") == "application/json":
        request.headers["Content-Type"] = "application/json; charset=utf-8"


SPEC_MEDIA_TYPE: dict[str, list[Any]] = {"request": [as_the_spec_says]}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    if not SPEC_PATH.exists():
        pytest.fail(f"the official spec is expected beside the project at {SPEC_PATH}")
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return loaded


def validator(spec: dict[str, Any], schema_name: str) -> Draft202012Validator:
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", **spec}
    registry: Registry[Any] = Registry().with_resource("urn:brp", Resource.from_contents(document))
    return Draft202012Validator(
        {"$ref": f"urn:brp#/components/schemas/{schema_name}"}, registry=registry
    )


@pytest.fixture
async def brp() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(PersonStore(demo_population()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url=f"http://brp{BASE_PATH}", event_hooks=SPEC_MEDIA_TYPE
    ) as client:
        yield client


QUERIES = [
    (
        "RaadpleegMetBurgerservicenummerResponse",
        {
            "type": "RaadpleegMetBurgerservicenummer",
            "burgerservicenummer": ["999990019", "999990032"],
            "fields": [
                "burgerservicenummer",
                "naam",
                "geboorte",
                "gemeenteVanInschrijving",
                "verblijfplaats",
                "overlijden",
            ],
        },
    ),
    (
        "ZoekMetGeslachtsnaamEnGeboortedatumResponse",
        {
            "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
            "geslachtsnaam": "Vries",
            "geboortedatum": "1950-02-02",
            "inclusiefOverledenPersonen": True,
            "fields": ["burgerservicenummer", "naam", "geboorte"],
        },
    ),
    (
        "ZoekMetPostcodeEnHuisnummerResponse",
        {
            "type": "ZoekMetPostcodeEnHuisnummer",
            "postcode": "1012AB",
            "huisnummer": 1,
            "fields": ["burgerservicenummer", "geboorte.datum"],
        },
    ),
    (
        "ZoekMetAdresseerbaarObjectIdentificatieResponse",
        {
            "type": "ZoekMetAdresseerbaarObjectIdentificatie",
            "adresseerbaarObjectIdentificatie": "0363010000000005",
            "fields": ["burgerservicenummer"],
        },
    ),
]


@pytest.mark.parametrize(("schema", "query"), QUERIES, ids=[q[1]["type"] for q in QUERIES])
async def test_every_query_type_answers_within_the_official_schema(
    brp: httpx.AsyncClient, spec: dict[str, Any], schema: str, query: dict[str, Any]
) -> None:
    response = await brp.post("/personen", json=query)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["personen"], "the demo population has a match for every query here"
    errors = list(validator(spec, schema).iter_errors(body))
    assert errors == []


async def test_health_counts_the_queries_answered_by_type(brp: httpx.AsyncClient) -> None:
    """What a benchmark reads as BRP calls per signal: answered queries only, by type."""
    by_bsn, by_name = QUERIES[0][1], QUERIES[1][1]
    for query in (by_bsn, by_name, by_name):
        assert (await brp.post("/personen", json=query)).status_code == 200
    assert (await brp.post("/personen", json={"type": "Onbekend"})).status_code == 400
    health = (await brp.get("http://brp/health")).json()
    assert health["queries"] == {by_bsn["type"]: 1, by_name["type"]: 2}


async def test_searches_leave_out_the_deceased_unless_asked(brp: httpx.AsyncClient) -> None:
    query = {
        "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
        "geslachtsnaam": "Vries",
        "geboortedatum": "1950-02-02",
        "fields": ["burgerservicenummer"],
    }
    assert (await brp.post("/personen", json=query)).json()["personen"] == []
    with_deceased = await brp.post("/personen", json={**query, "inclusiefOverledenPersonen": True})
    found = with_deceased.json()["personen"]
    assert [p["opschortingBijhouding"]["reden"]["code"] for p in found] == ["O"]


async def test_only_the_requested_fields_come_back(brp: httpx.AsyncClient) -> None:
    query = {
        "type": "RaadpleegMetBurgerservicenummer",
        "burgerservicenummer": ["999990019"],
        "fields": ["geboorte.datum"],
    }
    assert (await brp.post("/personen", json=query)).json()["personen"] == [
        {
            "geboorte": {
                "datum": {"type": "Datum", "datum": "1980-05-01", "langFormaat": "1 mei 1980"}
            }
        }
    ]


@pytest.mark.parametrize(
    "query",
    [
        {
            "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
            "geslachtsnaam": "Jansen",
            "fields": ["burgerservicenummer"],
        },
        {
            "type": "RaadpleegMetBurgerservicenummer",
            "burgerservicenummer": ["999990019"],
            "fields": ["opschortingBijhouding"],
        },
        {
            "type": "ZoekMetPostcodeEnHuisnummer",
            "postcode": "1012AB",
            "huisnummer": 1,
            "fields": ["verblijfplaats"],
        },
        {"type": "Onbekend", "fields": ["burgerservicenummer"]},
    ],
    ids=["missing-birth-date", "automatic-field-asked", "field-not-in-search", "unknown-type"],
)
async def test_a_bad_query_gets_a_400_problem_within_the_official_schema(
    brp: httpx.AsyncClient, spec: dict[str, Any], query: dict[str, Any]
) -> None:
    response = await brp.post("/personen", json=query)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert list(validator(spec, "BadRequestFoutbericht").iter_errors(response.json())) == []


RVIG = SPEC_PATH.parent / "testset-persoonslijsten-proefomgeving-gba-v-20220502.csv"
MUNICIPALITIES = SPEC_PATH.parent / "tabel33-gemeententabel.csv"


async def test_every_person_of_rvigs_test_population_is_served_within_the_official_schema(
    spec: dict[str, Any],
) -> None:
    persons = load_rvig(RVIG, MUNICIPALITIES)
    assert len(persons) == 685  # the 687 person lists less the two without a BSN
    app = create_app(PersonStore(persons))
    check = validator(spec, "RaadpleegMetBurgerservicenummerResponse")
    fields = [
        "burgerservicenummer",
        "naam",
        "geboorte",
        "overlijden",
        "gemeenteVanInschrijving",
        "verblijfplaats",
    ]
    off_pattern: set[str] = set()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=f"http://brp{BASE_PATH}",
        event_hooks=SPEC_MEDIA_TYPE,
    ) as brp:
        for person in persons:
            query = {
                "type": "RaadpleegMetBurgerservicenummer",
                "burgerservicenummer": [person["burgerservicenummer"]],
                "fields": fields,
            }
            body = (await brp.post("/personen", json=query)).json()
            assert body["personen"]
            errors = list(check.iter_errors(body))
            # Only the test set's deliberate edge cases may fail, and only on a pattern
            # (names with "@", "<…>", quotes or letters beyond the pattern, or longer than
            # 200 characters).
            assert all(e.validator in ("pattern",) for e in errors), errors
            if errors:
                off_pattern.add(person["naam"]["geslachtsnaam"])
    assert off_pattern == OFF_PATTERN_SURNAMES


OFF_PATTERN_SURNAMES = {
    '"Onbemind"',
    "St.James St. Helier-Mc.Arthur",  # voornamen with "@"
    "T.Śar ŃĆ ĹāÑ ŤÙmön ĊéŴÀŅŇĩ Ļl'ÁÚŘŠĎÉ Pomme-d' Or ĽÒÓĢÛŨ",  # letters beyond Latin-1/Ext-A
    "<Onbekend> & </Onbemind>",
    "Vries alias Prins de Lignac, Ridder van het Land van Ooit, Baron van Bobbejaansland, "
    "Graaf van het Verdronken land van Saeftinghe, Markies van het Verdronken land van "
    "Reimerswaal",
}


def test_lo3_dates_become_v2_dates_with_unknown_parts() -> None:
    assert gba_date("19851201") == {
        "type": "Datum",
        "datum": "1985-12-01",
        "langFormaat": "1 december 1985",
    }
    assert gba_date("19850000") == {"type": "JaarDatum", "jaar": 1985, "langFormaat": "1985"}
    assert gba_date("19851200")["type"] == "JaarMaandDatum"  # type: ignore[index]
    assert gba_date("00000000")["type"] == "DatumOnbekend"  # type: ignore[index]
    assert gba_date("") is None


async def test_the_synthetic_population_is_deterministic_varied_and_within_the_schema(
    spec: dict[str, Any],
) -> None:
    persons = list(synthetic_population(5000, seed=7))
    assert persons == list(synthetic_population(5000, seed=7))
    reasons = Counter(
        p.get("opschortingBijhouding", {}).get("reden", {}).get("code") for p in persons
    )
    assert reasons["O"] > 0
    assert reasons["E"] > 0
    assert any(
        p.get("gemeenteVanInschrijving", {}).get("code") not in (None, "0518") for p in persons
    )
    app = create_app(PersonStore(persons))
    check = validator(spec, "RaadpleegMetBurgerservicenummerResponse")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=f"http://brp{BASE_PATH}",
        event_hooks=SPEC_MEDIA_TYPE,
    ) as brp:
        query = {
            "type": "RaadpleegMetBurgerservicenummer",
            "burgerservicenummer": [p["burgerservicenummer"] for p in persons[:20]],
            "fields": [
                "burgerservicenummer",
                "naam",
                "geboorte",
                "overlijden",
                "gemeenteVanInschrijving",
                "verblijfplaats",
            ],
        }
        body = (await brp.post("/personen", json=query)).json()
    assert len(body["personen"]) == 20
    assert list(check.iter_errors(body)) == []
    minors = [p for p in persons if p["geboorte"]["datum"]["datum"] > "2008-11-27"]
    assert 0 < len(minors) < len(persons) // 2


def test_the_stand_in_validates_against_an_unchanged_copy_of_the_official_spec() -> None:
    assert json.loads(spec_module.SPEC_PATH.read_text()) == json.loads(SPEC_PATH.read_text())


JANSEN_SEARCH = {
    "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
    "geslachtsnaam": "Jansen",
    "geboortedatum": "1980-05-01",
    "fields": ["burgerservicenummer"],
}


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "text/plain; charset=utf-8", "application/json; charset=iso-8859-1", ""],
)
async def test_a_body_not_sent_as_the_specs_media_type_gets_415(
    brp: httpx.AsyncClient, spec: dict[str, Any], content_type: str
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(PersonStore(demo_population()))),
        base_url=f"http://brp{BASE_PATH}",
    ) as plain:  # without the hook that sets the spec's media type
        response = await plain.post(
            "/personen", content=json.dumps(JANSEN_SEARCH), headers={"Content-Type": content_type}
        )
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert list(validator(spec, "Foutbericht").iter_errors(response.json())) == []
    spaced = await brp.post(
        "/personen",
        content=json.dumps(JANSEN_SEARCH),
        headers={"Content-Type": "Application/JSON;charset=UTF-8"},
    )
    assert spaced.status_code == 200


@pytest.mark.parametrize(
    ("change", "param"),
    [
        ({"geslachtsnaam": "Jansen (geb. de Vries)"}, "geslachtsnaam"),
        ({"geslachtsnaam": "Smith/Jones"}, "geslachtsnaam"),
        ({"geslachtsnaam": "Ștefănescu"}, "geslachtsnaam"),  # Ș, S with comma below: U+0218
        ({"geslachtsnaam": "Jan?sen"}, "geslachtsnaam"),
        ({"geslachtsnaam": "Ja*"}, "geslachtsnaam"),  # a wildcard wants 3 letters before it
        ({"voorvoegsel": "van-der"}, "voorvoegsel"),
        ({"geboortedatum": "1980-02-30"}, "geboortedatum"),
        # No such year (Python's dates; jsonschema-rs's own check would take it).
        ({"geboortedatum": "0000-01-01"}, "geboortedatum"),
    ],
    ids=[
        "parentheses",
        "slash",
        "comma-below",
        "question-mark",
        "short-wildcard",
        "hyphen",
        "date",
        "year-zero",
    ],
)
async def test_a_value_off_the_specs_pattern_gets_a_400_naming_the_parameter(
    brp: httpx.AsyncClient, spec: dict[str, Any], change: dict[str, str], param: str
) -> None:
    response = await brp.post("/personen", json={**JANSEN_SEARCH, **change})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert list(validator(spec, "BadRequestFoutbericht").iter_errors(problem)) == []
    assert [p["name"] for p in problem["invalidParams"]] == [param]


async def test_a_name_with_a_lone_surrogate_gets_a_400_naming_the_parameter(
    brp: httpx.AsyncClient,
) -> None:
    """Escaped JSON can hold half a UTF-16 pair, which no text encodes; a 400, not a 500."""
    body = json.dumps({**JANSEN_SEARCH, "geslachtsnaam": "Jan\ud800sen"})  # written escaped
    response = await brp.post(
        "/personen", content=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 400, response.text
    assert [p["name"] for p in response.json()["invalidParams"]] == ["geslachtsnaam"]


async def test_letters_within_the_pattern_and_the_wildcard_are_searched_as_the_real_api_does(
    brp: httpx.AsyncClient,
) -> None:
    # Ş (S with cedilla, U+015E) lies within the pattern's À-ž; the search is case-insensitive.
    cedilla = await brp.post("/personen", json={**JANSEN_SEARCH, "geslachtsnaam": "Ştefănescu"})
    assert cedilla.status_code == 200
    assert cedilla.json()["personen"] == []
    wildcard = await brp.post("/personen", json={**JANSEN_SEARCH, "geslachtsnaam": "jan*"})
    assert [p["burgerservicenummer"] for p in wildcard.json()["personen"]] == ["999990019"]
