"""The creditors (vaste-lastenpartners) of the realistic generator, and the mix of their signals.

Shares of signals per creditor type: ASSUMED, documented here because the Monitor
Vroegsignalering's breakdown could not be consulted from this machine. Health insurers send
the most signals, then drinking water, energy and rent; heat is rare. Change them here only,
with the test that checks them (tests/test_realistic_generator.py).

Creditors per type, roughly as in the country: a handful of national health insurers and
energy suppliers with rounded market shares; one drinking-water company per region (by the
area's PC4, roughly); housing corporations per municipality (the real ones of the four largest
cities, one made-up foundation elsewhere) and two national commercial landlords; heat
suppliers only in the larger cities.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

from vroeg.shared.events import VlpType
from vroeg.standins.brp.municipalities import Municipality

TYPE_SHARES: dict[VlpType, float] = {
    VlpType.ZORGVERZEKERING: 0.36,
    VlpType.DRINKWATER: 0.25,
    VlpType.ENERGIE: 0.20,
    VlpType.HUUR: 0.18,
    VlpType.WARMTE: 0.01,
}
HEAT_CITY_INHABITANTS = 150_000
COMMERCIAL_RENT_SHARE = 0.15


@dataclass(frozen=True, slots=True)
class Creditor:
    """A creditor as intake registers it (`VlpIn`): id, name, type."""

    id: str
    name: str
    type: VlpType


HEALTH_INSURERS = (
    (Creditor("zilveren-kruis", "Zilveren Kruis", VlpType.ZORGVERZEKERING), 0.30),
    (Creditor("vgz", "VGZ", VlpType.ZORGVERZEKERING), 0.22),
    (Creditor("cz", "CZ", VlpType.ZORGVERZEKERING), 0.21),
    (Creditor("menzis", "Menzis", VlpType.ZORGVERZEKERING), 0.13),
    (Creditor("dsw", "DSW Zorgverzekeraar", VlpType.ZORGVERZEKERING), 0.05),
    (Creditor("onvz", "ONVZ", VlpType.ZORGVERZEKERING), 0.04),
    (Creditor("zorg-en-zekerheid", "Zorg en Zekerheid", VlpType.ZORGVERZEKERING), 0.03),
    (Creditor("asr-zorg", "a.s.r. Ziektekostenverzekeringen", VlpType.ZORGVERZEKERING), 0.02),
)
ENERGY_SUPPLIERS = (
    (Creditor("essent", "Essent", VlpType.ENERGIE), 0.24),
    (Creditor("eneco", "Eneco", VlpType.ENERGIE), 0.22),
    (Creditor("vattenfall", "Vattenfall", VlpType.ENERGIE), 0.20),
    (Creditor("budget-energie", "Budget Energie", VlpType.ENERGIE), 0.08),
    (Creditor("greenchoice", "Greenchoice", VlpType.ENERGIE), 0.07),
    (Creditor("energiedirect", "Energiedirect.nl", VlpType.ENERGIE), 0.06),
    (Creditor("engie", "ENGIE", VlpType.ENERGIE), 0.05),
    (Creditor("vandebron", "Vandebron", VlpType.ENERGIE), 0.04),
    (Creditor("oxxio", "Oxxio", VlpType.ENERGIE), 0.04),
)
HEAT_SUPPLIERS = (
    (Creditor("vattenfall-warmte", "Vattenfall Warmte", VlpType.WARMTE), 0.45),
    (Creditor("eneco-warmte", "Eneco Warmte", VlpType.WARMTE), 0.35),
    (Creditor("ennatuurlijk", "Ennatuurlijk", VlpType.WARMTE), 0.20),
)
COMMERCIAL_LANDLORDS = (
    (Creditor("vesteda", "Vesteda", VlpType.HUUR), 0.6),
    (Creditor("heimstaden", "Heimstaden", VlpType.HUUR), 0.4),
)
# Drinking water by PC4 range (first, last), roughly the companies' areas; Waternet by town.
_WATER = {
    "waternet": "Waternet",
    "pwn": "PWN",
    "dunea": "Dunea",
    "oasen": "Oasen",
    "evides": "Evides Waterbedrijf",
    "vitens": "Vitens",
    "brabant-water": "Brabant Water",
    "wml": "WML",
    "wmd": "WMD Drinkwater",
    "waterbedrijf-groningen": "Waterbedrijf Groningen",
}
WATER_AREAS = (
    (1000, 2199, "pwn"),
    (2200, 2799, "dunea"),
    (2800, 2999, "oasen"),
    (3000, 3399, "evides"),
    (3400, 4299, "vitens"),
    (4300, 4599, "evides"),
    (4600, 5799, "brabant-water"),
    (5800, 6499, "wml"),
    (6500, 7699, "vitens"),
    (7700, 7999, "wmd"),
    (8000, 9299, "vitens"),
    (9300, 9399, "waterbedrijf-groningen"),
    (9400, 9599, "wmd"),
    (9600, 9999, "waterbedrijf-groningen"),
)
WATERNET_TOWNS = frozenset({"0363", "0362"})
HOUSING_CORPORATIONS = {
    "0363": (("ymere", "Ymere"), ("eigen-haard", "Eigen Haard"), ("stadgenoot", "Stadgenoot")),
    "0599": (("woonstad-rotterdam", "Woonstad Rotterdam"), ("havensteder", "Havensteder")),
    "0518": (("haag-wonen", "Haag Wonen"), ("staedion", "Staedion")),
    "0344": (("mitros", "Mitros"), ("portaal", "Portaal"), ("bo-ex", "Bo-Ex")),
}


def water_company(town: Municipality) -> Creditor:
    """The drinking-water company of a municipality (by its first postcode area)."""
    if town.code in WATERNET_TOWNS:
        return Creditor("waternet", _WATER["waternet"], VlpType.DRINKWATER)
    first = town.pc4[0]
    company = next(c for low, high, c in WATER_AREAS if low <= first <= high)
    return Creditor(company, _WATER[company], VlpType.DRINKWATER)


def housing_corporations(town: Municipality) -> tuple[Creditor, ...]:
    """The municipality's housing corporations."""
    known = HOUSING_CORPORATIONS.get(town.code)
    if known:
        return tuple(Creditor(i, name, VlpType.HUUR) for i, name in known)
    return (
        Creditor(
            f"wonen-{town.code}-{_slug(town.name)}"[:64], f"Woonstichting {town.name}", VlpType.HUUR
        ),
    )


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "gemeente"


class CreditorMix:
    """Draws the creditor of a signal: its type by the national shares, then a creditor of
    that type serving the municipality."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def types_for(self, town: Municipality) -> tuple[list[VlpType], list[float]]:
        """Creditor types and their weights in a municipality (no heat in small towns)."""
        types = [t for t in TYPE_SHARES if t is not VlpType.WARMTE or _heat(town)]
        return types, [TYPE_SHARES[t] for t in types]

    def creditor(self, vlp_type: VlpType, town: Municipality) -> Creditor:
        """A creditor of this type for a household in this municipality."""
        rng = self.rng
        if vlp_type is VlpType.ZORGVERZEKERING:
            return _weighted(rng, HEALTH_INSURERS)
        if vlp_type is VlpType.ENERGIE:
            return _weighted(rng, ENERGY_SUPPLIERS)
        if vlp_type is VlpType.WARMTE:
            return _weighted(rng, HEAT_SUPPLIERS)
        if vlp_type is VlpType.DRINKWATER:
            return water_company(town)
        if rng.random() < COMMERCIAL_RENT_SHARE:
            return _weighted(rng, COMMERCIAL_LANDLORDS)
        return rng.choice(housing_corporations(town))


def all_creditors(towns: list[Municipality]) -> list[Creditor]:
    """Every creditor that may deliver to these municipalities (to register with intake)."""
    found: dict[str, Creditor] = {}
    for creditor, _ in (*HEALTH_INSURERS, *ENERGY_SUPPLIERS, *COMMERCIAL_LANDLORDS):
        found[creditor.id] = creditor
    for town in towns:
        for creditor in (water_company(town), *housing_corporations(town)):
            found[creditor.id] = creditor
        if _heat(town):
            for creditor, _ in HEAT_SUPPLIERS:
                found[creditor.id] = creditor
    return list(found.values())


def _heat(town: Municipality) -> bool:
    return town.inhabitants >= HEAT_CITY_INHABITANTS


def _weighted(rng: random.Random, table: tuple[tuple[Creditor, float], ...]) -> Creditor:
    return rng.choices([c for c, _ in table], weights=[w for _, w in table])[0]
