"""The stand-in's data and its answers to the query types of `POST /personen`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import deepcopy
from typing import Any

# Delivered whether asked or not; asking for them is an error (spec, `fields`).
AUTOMATIC_FIELDS = frozenset(
    {"opschortingBijhouding", "geheimhoudingPersoonsgegevens", "inOnderzoek", "rni", "verificatie"}
)
# Search queries answer with `PersoonBeperkt`: only these top-level fields.
LIMITED_FIELDS = frozenset(
    {"burgerservicenummer", "geboorte", "geslacht", "leeftijd", "naam", "adressering"}
)
FULL_FIELDS = LIMITED_FIELDS | frozenset(
    {
        "aNummer",
        "datumEersteInschrijvingGBA",
        "uitsluitingKiesrecht",
        "europeesKiesrecht",
        "nationaliteiten",
        "overlijden",
        "verblijfplaats",
        "immigratie",
        "gemeenteVanInschrijving",
        "datumInschrijvingInGemeente",
        "indicatieCurateleRegister",
        "indicatieGezagMinderjarige",
        "gezag",
        "verblijfstitel",
        "kinderen",
        "ouders",
        "partners",
    }
)


class QueryError(ValueError):
    """A query the real API answers with 400; `params` name what is wrong."""

    def __init__(self, title: str, params: list[dict[str, str]]) -> None:
        super().__init__(title)
        self.title = title
        self.params = params


def _deceased(record: dict[str, Any]) -> bool:
    return bool((record.get("opschortingBijhouding") or {}).get("reden", {}).get("code") == "O")


def _address(record: dict[str, Any]) -> dict[str, Any]:
    return (record.get("verblijfplaats") or {}).get("verblijfadres") or {}


class _Index:
    """Positions by key: one position held as an int, several as a list (most keys have one,
    and a million lists would cost the stand-in hundreds of megabytes)."""

    def __init__(self) -> None:
        self._positions: dict[Any, int | list[int]] = {}

    def add(self, key: Any, position: int) -> None:
        found = self._positions.setdefault(key, position)
        if found is not position:
            if isinstance(found, list):
                found.append(position)
            else:
                self._positions[key] = [found, position]

    def get(self, key: Any) -> list[int]:
        found = self._positions.get(key)
        if found is None:
            return []
        return found if isinstance(found, list) else [found]

    def items(self) -> Iterable[tuple[Any, list[int]]]:
        return ((key, self.get(key)) for key in self._positions)


class PersonStore:
    """Persons indexed the ways the query types search them."""

    def __init__(self, records: Iterable[dict[str, Any]]) -> None:
        # Indexes hold positions in `_records`: test data can give two persons one BSN.
        self._records: list[dict[str, Any]] = []
        self._by_bsn = _Index()
        self._by_name_birth = _Index()
        self._by_postcode = _Index()
        self._by_object = _Index()
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: dict[str, Any]) -> None:
        """Index one `Persoon`."""
        position = len(self._records)
        self._records.append(record)
        self._by_bsn.add(record["burgerservicenummer"], position)
        birth = (record.get("geboorte") or {}).get("datum") or {}
        name = (record.get("naam") or {}).get("geslachtsnaam")
        if birth.get("type") == "Datum" and name:
            self._by_name_birth.add((name.lower(), birth["datum"]), position)
        address = _address(record)
        if "postcode" in address:
            self._by_postcode.add((address["postcode"], address["huisnummer"]), position)
        object_id = (record.get("verblijfplaats") or {}).get("adresseerbaarObjectIdentificatie")
        if object_id:
            self._by_object.add(object_id, position)

    def query(self, body: dict[str, Any]) -> dict[str, Any]:
        """Answer one `PersonenQuery` as the real API would."""
        kind = body.get("type")
        fields = body.get("fields")
        if not isinstance(fields, list) or not fields:
            raise QueryError(
                "Ten minste één parameter moet worden opgegeven.",
                [{"name": "fields", "code": "required", "reason": "Parameter is verplicht."}],
            )
        full = kind == "RaadpleegMetBurgerservicenummer"
        _check_fields(fields, FULL_FIELDS if full else LIMITED_FIELDS)
        with_deceased = bool(body.get("inclusiefOverledenPersonen")) or full
        if kind == "RaadpleegMetBurgerservicenummer":
            bsns = _required(body, "burgerservicenummer")
            if not isinstance(bsns, list) or not 1 <= len(bsns) <= 20:
                raise QueryError(
                    "Een of meerdere parameters zijn niet correct.",
                    [
                        {
                            "name": "burgerservicenummer",
                            "code": "maxItems",
                            "reason": "Geef 1 tot 20 burgerservicenummers op.",
                        }
                    ],
                )
            found = [p for b in dict.fromkeys(bsns) for p in self._by_bsn.get(b)]
        elif kind == "ZoekMetGeslachtsnaamEnGeboortedatum":
            name = str(_required(body, "geslachtsnaam"))
            born = str(_required(body, "geboortedatum"))
            if name.endswith("*"):  # the spec's wildcard: every name that begins so
                found = [
                    p
                    for (indexed, birth), positions in self._by_name_birth.items()
                    if birth == born and _name_matches(indexed, name)
                    for p in positions
                ]
            else:
                found = self._by_name_birth.get((name.lower(), born))
            if body.get("voorvoegsel"):
                found = [
                    p
                    for p in found
                    if self._records[p]["naam"].get("voorvoegsel", "").lower()
                    == str(body["voorvoegsel"]).lower()
                ]
        elif kind == "ZoekMetPostcodeEnHuisnummer":
            postcode = str(_required(body, "postcode")).replace(" ", "").upper()
            found = self._by_postcode.get((postcode, int(_required(body, "huisnummer"))))
            found = [p for p in found if _address_matches(self._records[p], body)]
        elif kind == "ZoekMetAdresseerbaarObjectIdentificatie":
            found = self._by_object.get(str(_required(body, "adresseerbaarObjectIdentificatie")))
        else:
            raise QueryError(
                "Een of meerdere parameters zijn niet correct.",
                [
                    {
                        "name": "type",
                        "code": "value",
                        "reason": "Waarde is geen geldig zoek type.",
                    }
                ],
            )
        records = [self._records[p] for p in found]
        if not with_deceased:
            records = [r for r in records if not _deceased(r)]
        return {"type": kind, "personen": [_select(r, fields) for r in records]}


def _required(body: dict[str, Any], name: str) -> Any:
    if body.get(name) in (None, "", []):
        raise QueryError(
            "Ten minste één parameter moet worden opgegeven.",
            [{"name": name, "code": "required", "reason": "Parameter is verplicht."}],
        )
    return body[name]


def _address_matches(record: dict[str, Any], body: dict[str, Any]) -> bool:
    address = _address(record)
    if (
        body.get("huisletter")
        and address.get("huisletter", "").lower() != body["huisletter"].lower()
    ):
        return False
    name = body.get("geslachtsnaam")
    return not name or _name_matches((record.get("naam") or {}).get("geslachtsnaam", ""), name)


def _name_matches(stored: str, asked: str) -> bool:
    """Case-insensitive; a trailing `*` (after at least 3 letters, the spec's pattern) matches
    any rest."""
    if asked.endswith("*"):
        return stored.lower().startswith(asked[:-1].lower())
    return stored.lower() == asked.lower()


def _check_fields(fields: Sequence[Any], allowed: frozenset[str]) -> None:
    for path in fields:
        top = str(path).split(".", 1)[0]
        if top in AUTOMATIC_FIELDS or top not in allowed:
            raise QueryError(
                "Een of meerdere parameters zijn niet correct.",
                [
                    {
                        "name": "fields",
                        "code": "fields",
                        "reason": "Parameter bevat een niet toegestane veldnaam.",
                    }
                ],
            )


def _select(record: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The record cut down to the requested paths, plus the automatic fields."""
    out: dict[str, Any] = {k: deepcopy(v) for k, v in record.items() if k in AUTOMATIC_FIELDS}
    for path in fields:
        source: Any = record
        target = out
        parts = path.split(".")
        for i, part in enumerate(parts):
            if not isinstance(source, dict) or part not in source:
                break
            source = source[part]
            if i == len(parts) - 1:
                target[part] = deepcopy(source)
            else:
                target = target.setdefault(part, {})
    return out
