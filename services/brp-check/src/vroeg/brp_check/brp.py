"""Client for the Haal Centraal BRP Personen Bevragen API v2 (`POST /personen`)."""

from __future__ import annotations

import asyncio
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from vroeg.brp_check.brp_transport import CircuitBreaker
from vroeg.brp_check.network import BrpHttp, Unreachable
from vroeg.shared.events import Address, SignalData
from vroeg.shared.messaging.consumer import DependencyUnavailable

# Only what routing needs (AVG: data minimisation). opschortingBijhouding always comes along.
PERSON_FIELDS = [
    "burgerservicenummer",
    "geboorte.datum",
    "gemeenteVanInschrijving",
    "verblijfplaats.adresseerbaarObjectIdentificatie",
]
# What a reviewer needs to tell namesakes apart (R-BRP-5), and no more.
REVIEW_FIELDS = [
    "burgerservicenummer",
    "naam.voornamen",
    "naam.voorvoegsel",
    "naam.geslachtsnaam",
    "geboorte.datum",
    "gemeenteVanInschrijving",
    "verblijfplaats.verblijfadres",
    "overlijden.datum",
]
MAX_BSNS_PER_QUERY = 20
# The spec's query patterns (GeslachtsnaamFilter without its wildcard branch, VoorvoegselFilter):
# a value off them is a 400; a `*` or `?` from a creditor must never reach the BRP as a wildcard.
SURNAME_PATTERN = re.compile(r"[a-zA-Z0-9\u00c0-\u017e .\-']{1,200}")
PREFIX_PATTERN = re.compile(r"[a-zA-Z ']{1,10}")
# AdresseerbaarObjectIdentificatieFilter: sixteen digits, but not the "unknown" value of zeros.
ADDRESS_KEY_PATTERN = re.compile(r"(?!0{16})[0-9]{16}")
# Spellings of the same name the BRP's character set writes one way: typographic apostrophes
# and dashes, and Romanian S and T with a comma below, which the BRP holds with a cedilla.
_BRP_SPELLING = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u0218": "\u015e",
        "\u0219": "\u015f",
        "\u021a": "\u0162",
        "\u021b": "\u0163",
    }
)


class BrpError(RuntimeError):
    """The BRP refused our query (a 4xx): a defect on our side, not an outage."""


class UnsearchableName(ValueError):
    """The debtor's name cannot be asked of the BRP as its query patterns demand (R-BRP-5).

    The message is the review reason; it names what is wrong, never the name itself.
    """


def brp_surname(value: str) -> str:
    """The surname as the BRP's `geslachtsnaam` filter accepts it, matched exactly."""
    name = _brp_spelling(value)
    if not SURNAME_PATTERN.fullmatch(name):
        raise UnsearchableName(
            "R-BRP-5: the debtor's surname has characters the BRP cannot be searched with"
        )
    return name


def brp_prefix(value: str) -> str:
    """The prefix as the BRP's `voorvoegsel` filter accepts it ("van-der" is "van der")."""
    prefix = _brp_spelling(value).replace("-", " ")
    if not PREFIX_PATTERN.fullmatch(prefix):
        raise UnsearchableName(
            "R-BRP-5: the debtor's prefix has characters the BRP cannot be searched with"
        )
    return prefix


def _brp_spelling(value: str) -> str:
    """Composed letters (NFC), one spelling per character; spaces as given (the BRP's own
    values may end in one)."""
    return unicodedata.normalize("NFC", value).translate(_BRP_SPELLING)


@dataclass(frozen=True)
class BrpPerson:
    """What routing needs of one person record."""

    bsn: str
    birth_date: date | None
    suspension_reason: str | None
    municipality: str | None
    address_key: str | None


@dataclass(frozen=True)
class BrpCandidate:
    """A person as a reviewer sees them."""

    bsn: str
    voornamen: str | None
    voorvoegsel: str | None
    geslachtsnaam: str | None
    birth_date: date | None
    municipality_code: str | None
    municipality_name: str | None
    # The v2 `verblijfadres` as text (a Dutch address, or a foreign one's lines and country).
    address: dict[str, str]
    suspension_code: str | None
    suspension: str | None


class BrpClient:
    """Asks the BRP who a signal is about, and who lives at an address."""

    def __init__(self, http: BrpHttp, breaker: CircuitBreaker, *, concurrency: int = 8) -> None:
        self._http = http
        self._breaker = breaker
        # Queries in flight at once, whatever a batch asks: the BRP is a shared, metered service.
        self._slots = asyncio.Semaphore(concurrency)

    async def find(self, signal: SignalData) -> list[BrpPerson]:
        """The BRP's candidates for the signal's debtor, deceased included; UnsearchableName
        when the name cannot be put to the BRP."""
        bsns = await self.search(signal)
        wanted = list(dict.fromkeys(bsns[:MAX_BSNS_PER_QUERY]))
        return candidates(bsns, await self.persons(wanted) if wanted else {})

    async def search(self, signal: SignalData) -> list[str]:
        """The BSNs of the BRP's candidates for the signal's debtor (`find`'s first query)."""
        debtor, address = signal.debtor, signal.address
        if debtor is None:
            return []  # only a business name: nobody to look up
        query: dict[str, Any]
        if debtor.geboortedatum is not None:
            query = {
                "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
                "geslachtsnaam": brp_surname(debtor.geslachtsnaam),
                "geboortedatum": debtor.geboortedatum.isoformat(),
            }
            if debtor.voorvoegsel:
                query["voorvoegsel"] = brp_prefix(debtor.voorvoegsel)
        else:
            query = {
                "type": "ZoekMetPostcodeEnHuisnummer",
                "postcode": address.postcode,
                "huisnummer": address.huisnummer,
                "geslachtsnaam": brp_surname(debtor.geslachtsnaam),
            }
            if address.huisletter:
                query["huisletter"] = address.huisletter
            if address.toevoeging:
                query["huisnummertoevoeging"] = address.toevoeging
        return _bsns(
            await self._query(
                {**query, "inclusiefOverledenPersonen": True, "fields": ["burgerservicenummer"]}
            )
        )

    async def persons(self, bsns: Sequence[str]) -> dict[str, list[BrpPerson]]:
        """The records routing needs of at most 20 persons, by BSN, in one query (`find`'s
        second; a batch of signals shares them). A BSN can have more than one record: the
        RvIG test population holds such."""
        records: dict[str, list[BrpPerson]] = {}
        for person in map(_person, await self._by_bsn(bsns, PERSON_FIELDS)):
            records.setdefault(person.bsn, []).append(person)
        return records

    async def person(self, bsn: str) -> BrpPerson | None:
        """One person's record as routing needs it."""
        found = await self._by_bsn([bsn], PERSON_FIELDS)
        return _person(found[0]) if found else None

    async def registered_at(self, address: Address) -> list[str]:
        """The BSNs of everyone registered at an address, the deceased included."""
        query: dict[str, Any] = {
            "type": "ZoekMetPostcodeEnHuisnummer",
            "postcode": address.postcode,
            "huisnummer": address.huisnummer,
            "inclusiefOverledenPersonen": True,
            "fields": ["burgerservicenummer"],
        }
        if address.huisletter:
            query["huisletter"] = address.huisletter
        if address.toevoeging:
            query["huisnummertoevoeging"] = address.toevoeging
        return _bsns(await self._query(query))

    async def review_candidates(self, bsns: Sequence[str]) -> list[BrpCandidate]:
        """What a reviewer sees of each of these persons."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(bsns), MAX_BSNS_PER_QUERY):
            found.extend(
                await self._by_bsn(bsns[start : start + MAX_BSNS_PER_QUERY], REVIEW_FIELDS)
            )
        return [_candidate(p) for p in found]

    async def _by_bsn(self, bsns: Sequence[str], fields: list[str]) -> Sequence[dict[str, Any]]:
        return await self._query(
            {
                "type": "RaadpleegMetBurgerservicenummer",
                "burgerservicenummer": list(bsns),
                "fields": fields,
            }
        )

    async def residents(self, address_key: str) -> list[date | None]:
        """Birth dates of the living persons registered at an addressable object."""
        found = await self._query(
            {
                "type": "ZoekMetAdresseerbaarObjectIdentificatie",
                "adresseerbaarObjectIdentificatie": address_key,
                "fields": ["burgerservicenummer", "geboorte.datum"],
            }
        )
        return [_date(p.get("geboorte", {}).get("datum")) for p in found]

    async def _query(self, body: dict[str, Any]) -> Sequence[dict[str, Any]]:
        try:
            async with self._slots:
                # Once a slot is free: queries queued behind an outage's first failures do
                # not go out once the breaker opened.
                self._breaker.before()
                answer = await self._http.post(
                    "/personen", json.dumps(body, ensure_ascii=False).encode()
                )
        except Unreachable as exc:
            self._breaker.failed()
            raise DependencyUnavailable(f"BRP unreachable: {exc}") from exc
        # An answer or a refusal of the query; anything else is the BRP down, overloaded, or
        # refusing our credentials (a 408: the gateway gave up waiting for us; a redirect, not
        # followed: the query goes to the configured BRP only): the signal waits until mended.
        status = answer.status
        refused = 400 <= status < 500 and status not in (401, 403, 408, 429)
        if not (200 <= status < 300 or refused):
            self._breaker.failed()
            raise DependencyUnavailable(f"BRP answered {status}")
        self._breaker.succeeded()
        if status >= 400:
            # Not the answer's body: it can quote the query's names and BSNs into the logs.
            raise BrpError(f"BRP refused {body['type']}: {status}")
        personen: list[dict[str, Any]] = json.loads(answer.content).get("personen", [])
        return personen


def candidates(bsns: Sequence[str], persons: Mapping[str, list[BrpPerson]]) -> list[BrpPerson]:
    """The candidates a search found: the records of its first 20 persons (more than one
    query may name is review work anyway: the rest are BSNs alone)."""
    return [
        record
        for bsn in dict.fromkeys(bsns[:MAX_BSNS_PER_QUERY])
        for record in persons.get(bsn, [])
    ] + [BrpPerson(bsn, None, None, None, None) for bsn in bsns[MAX_BSNS_PER_QUERY:]]


def _date(value: dict[str, Any] | None) -> date | None:
    """A v2 date (polymorphic: Datum, JaarDatum, …); only a full date is usable."""
    if value and value.get("type") == "Datum":
        return date.fromisoformat(value["datum"])
    return None


def _bsns(found: Sequence[dict[str, Any]]) -> list[str]:
    return [p["burgerservicenummer"] for p in found if "burgerservicenummer" in p]


def _candidate(data: dict[str, Any]) -> BrpCandidate:
    name = data.get("naam") or {}
    registered = data.get("gemeenteVanInschrijving") or {}
    suspension = (data.get("opschortingBijhouding") or {}).get("reden") or {}
    address: dict[str, str] = {}
    for key, value in ((data.get("verblijfplaats") or {}).get("verblijfadres") or {}).items():
        if isinstance(value, dict):  # a foreign address's country
            value = value.get("omschrijving")
        if value is not None:
            address[key] = str(value)
    return BrpCandidate(
        bsn=data["burgerservicenummer"],
        voornamen=name.get("voornamen"),
        voorvoegsel=name.get("voorvoegsel"),
        geslachtsnaam=name.get("geslachtsnaam"),
        birth_date=_date(data.get("geboorte", {}).get("datum")),
        municipality_code=registered.get("code"),
        municipality_name=registered.get("omschrijving"),
        address=address,
        suspension_code=suspension.get("code"),
        suspension=suspension.get("omschrijving"),
    )


def _person(data: dict[str, Any]) -> BrpPerson:
    residence = data.get("verblijfplaats") or {}
    return BrpPerson(
        bsn=data["burgerservicenummer"],
        birth_date=_date(data.get("geboorte", {}).get("datum")),
        suspension_reason=(data.get("opschortingBijhouding") or {}).get("reden", {}).get("code"),
        municipality=(data.get("gemeenteVanInschrijving") or {}).get("code"),
        address_key=_address_key(residence.get("adresseerbaarObjectIdentificatie")),
    )


def _address_key(value: object) -> str | None:
    """The BRP's address identification if the BRP can be asked for its residents: a record
    may hold the zeros of "unknown" or a mangled value, which is no household's key either."""
    key = str(value).strip() if value is not None else ""
    return key if ADDRESS_KEY_PATTERN.fullmatch(key) else None
