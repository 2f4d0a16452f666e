"""Municipalities of the synthetic population: the largest real ones (CBS code, name, rounded
inhabitants, first postcode area) and, for a national population, 300 more of our own making
whose sizes follow the real spread (log-normal around 30,000 inhabitants) so that 340
municipalities hold the country's 17.9 million.

A specification names which: `national`, or a comma-separated list of CBS codes, each
optionally with its inhabitants (`0363:900000,0599`) — a code not in the table gets a made-up
name and, without a size, 30,000.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from vroeg.standins.brp.names import NETHERLANDS_INHABITANTS, STREET_STEMS

# (code, name, inhabitants, first PC4 of the town)
LARGEST: tuple[tuple[str, str, int, int], ...] = (
    ("0363", "Amsterdam", 930_000, 1011),
    ("0599", "Rotterdam", 670_000, 3011),
    ("0518", "'s-Gravenhage", 560_000, 2491),
    ("0344", "Utrecht", 375_000, 3511),
    ("0772", "Eindhoven", 246_000, 5611),
    ("0014", "Groningen", 240_000, 9711),
    ("0855", "Tilburg", 229_000, 5011),
    ("0034", "Almere", 226_000, 1311),
    ("0758", "Breda", 188_000, 4811),
    ("0268", "Nijmegen", 184_000, 6511),
    ("0200", "Apeldoorn", 168_000, 7311),
    ("0202", "Arnhem", 166_000, 6811),
    ("0394", "Haarlemmermeer", 163_000, 2131),
    ("0392", "Haarlem", 163_000, 2011),
    ("0153", "Enschede", 162_000, 7511),
    ("0307", "Amersfoort", 161_000, 3811),
    ("0796", "'s-Hertogenbosch", 160_000, 5211),
    ("0479", "Zaanstad", 158_000, 1501),
    ("0193", "Zwolle", 132_000, 8011),
    ("0546", "Leiden", 127_000, 2311),
    ("0637", "Zoetermeer", 126_000, 2711),
    ("0080", "Leeuwarden", 126_000, 8911),
    ("0935", "Maastricht", 122_000, 6211),
    ("0228", "Ede", 122_000, 6711),
    ("0505", "Dordrecht", 121_000, 3311),
    ("0484", "Alphen aan den Rijn", 115_000, 2401),
    ("1783", "Westland", 113_000, 2671),
    ("0361", "Alkmaar", 111_000, 1811),
    ("0114", "Emmen", 108_000, 7811),
    ("0503", "Delft", 105_000, 2611),
    ("0983", "Venlo", 102_000, 5911),
    ("0150", "Deventer", 102_000, 7411),
    ("0794", "Helmond", 94_000, 5701),
    ("0402", "Hilversum", 93_000, 1211),
    ("0362", "Amstelveen", 92_000, 1181),
    ("1883", "Sittard-Geleen", 91_000, 6131),
    ("1900", "Súdwest-Fryslân", 91_000, 8601),
    ("0917", "Heerlen", 87_000, 6411),
    ("1930", "Nissewaard", 86_000, 3201),
)
NATIONAL_COUNT = 340
PERSONS_PER_PC4 = 4_400  # about 4,000 areas for 17.9 million
PERSONS_PER_CITY_PC4 = 9_000
DEFAULT_SIZE = 30_000
PLACE_ENDS = ("dam", "wijk", "veen", "hoven", "horst", "rode", "dijk", "meer")


@dataclass(frozen=True, slots=True)
class Municipality:
    """A municipality: CBS code, name, inhabitants (its weight) and its postcode areas."""

    code: str
    name: str
    inhabitants: int
    pc4: tuple[int, ...]


def national() -> list[Municipality]:
    """340 municipalities: the largest real ones and made-up ones, 17.9 million together."""
    rng = random.Random("municipalities")
    made_up = NATIONAL_COUNT - len(LARGEST)
    rest = NETHERLANDS_INHABITANTS - sum(size for _, _, size, _ in LARGEST)
    draws = [
        min(85_000, max(1_000, rng.lognormvariate(math.log(28_000), 0.6))) for _ in range(made_up)
    ]
    scale = rest / sum(draws)
    stems = sorted(set(STREET_STEMS))
    rng.shuffle(stems)
    entries = [(code, name, size, first) for code, name, size, first in LARGEST]
    for n, draw in enumerate(draws):
        place = stems[n % len(stems)] + PLACE_ENDS[n // len(stems) % len(PLACE_ENDS)]
        entries.append((f"{2001 + n:04d}", place, round(draw * scale), 0))
    return _with_postcodes(entries)


def parse(spec: str) -> list[Municipality]:
    """Municipalities from a specification (see the module's docstring)."""
    if spec.strip().lower() == "national":
        return national()
    known = {code: (name, size, first) for code, name, size, first in LARGEST}
    entries: list[tuple[str, str, int, int]] = []
    for part in spec.split(","):
        code, _, size = part.strip().partition(":")
        if not (len(code) == 4 and code.isdigit()):
            raise ValueError(f"not a CBS municipality code: {code!r}")
        name, default, first = known.get(code, (f"Gemeente {code}", DEFAULT_SIZE, 0))
        entries.append((code, name, int(size) if size else default, first))
    if len({e[0] for e in entries}) != len(entries):
        raise ValueError("a municipality is named twice")
    return _with_postcodes(entries)


def _with_postcodes(entries: list[tuple[str, str, int, int]]) -> list[Municipality]:
    """Each municipality a block of PC4 areas in proportion to its inhabitants: the real
    towns from their own first area, the others from what is left, in order."""
    used: set[int] = set()
    blocks: dict[str, list[int]] = {}
    for code, _, size, first in entries:
        if first:  # a city: denser areas, from its own first one on
            wanted = max(1, round(size / PERSONS_PER_CITY_PC4))
            blocks[code] = [n for n in range(first, 10_000) if n not in used][:wanted]
            used.update(blocks[code])
    free = (n for n in range(1000, 10_000) if n not in used)
    for code, _, size, first in entries:
        if not first:
            wanted = max(1, round(size / PERSONS_PER_PC4))
            blocks[code] = [n for _, n in zip(range(wanted), free, strict=False)]
    return [Municipality(code, name, size, tuple(blocks[code])) for code, name, size, _ in entries]
