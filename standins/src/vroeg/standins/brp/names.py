"""Dutch names for the synthetic population: surnames in a Dutch frequency distribution, first
names by generation, street names.

Surnames. The head is the most common Dutch surnames with their approximate number of bearers
in the Netherlands (rounded, after the published rankings of the Nederlandse Familienamenbank;
the shares matter here, not the exact counts): together about a tenth of the population, as in
the real country. The long tail is *generated*, since name lists cannot be downloaded: base names
are built the way Dutch surnames are formed — patronymics (a first-name stem + `s`, `sen`,
`se`, `x`, `zoon`), Frisian and Groningen forms (stem + `stra`, `sma`, `inga`, `ema`), Saxon
`-ink`/`-ing`, toponymic and occupational compounds (stem + `berg`, `dijk`, `veen`, `kamp`,
`man`, …) — some with a prefix (`van`, `de`, `van der`, `van den`, `ter`, …), and given
Zipf-like weights `1 / (rank + TAIL_OFFSET)` that share the rest of the population. The offset
keeps the tail's first name below the head's last, as in the real distribution, which is
flatter at the top than a pure Zipf law. With the default 20,000 surnames and 1,000,000 persons
the rarest tail names still have a few dozen bearers, and the chance that two persons share a
surname and a birth date stays at the level of the real country's (about 1 % of persons).
"""

from __future__ import annotations

import random
from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# (prefix, name, approximate bearers in the Netherlands)
COMMON_SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("de", "Jong", 86_000),
    ("", "Jansen", 74_000),
    ("de", "Vries", 72_000),
    ("van den", "Berg", 59_000),
    ("van", "Dijk", 57_000),
    ("", "Bakker", 56_000),
    ("", "Janssen", 55_000),
    ("", "Visser", 50_000),
    ("", "Smit", 46_000),
    ("", "Meijer", 43_000),
    ("de", "Boer", 41_000),
    ("", "Mulder", 39_000),
    ("de", "Groot", 39_000),
    ("", "Bos", 37_000),
    ("", "Vos", 34_000),
    ("", "Peters", 33_000),
    ("", "Hendriks", 32_000),
    ("van", "Leeuwen", 30_000),
    ("", "Dekker", 30_000),
    ("", "Brouwer", 28_000),
    ("de", "Wit", 28_000),
    ("", "Dijkstra", 27_000),
    ("", "Smits", 27_000),
    ("de", "Graaf", 26_000),
    ("van der", "Meer", 26_000),
    ("van der", "Linden", 24_000),
    ("", "Kok", 24_000),
    ("", "Jacobs", 23_000),
    ("de", "Haan", 23_000),
    ("", "Vermeulen", 23_000),
    ("van den", "Heuvel", 22_000),
    ("van der", "Veen", 22_000),
    ("van den", "Broek", 22_000),
    ("de", "Bruijn", 21_000),
    ("de", "Bruin", 21_000),
    ("van der", "Heijden", 21_000),
    ("", "Schouten", 20_000),
    ("van", "Beek", 20_000),
    ("", "Willems", 20_000),
    ("van", "Vliet", 20_000),
    ("van de", "Ven", 19_000),
    ("", "Hoekstra", 19_000),
    ("", "Maas", 19_000),
    ("", "Verhoeven", 19_000),
    ("", "Koster", 18_000),
    ("van", "Dam", 18_000),
    ("van der", "Wal", 18_000),
    ("", "Prins", 18_000),
    ("", "Blom", 18_000),
    ("", "Huisman", 17_000),
    ("", "Peeters", 17_000),
    ("", "Yılmaz", 16_000),
    ("", "Kaya", 13_000),
    ("", "El Amrani", 6_000),
    ("", "Nguyen", 5_000),
    ("", "Öztürk", 9_000),
    ("", "Ramdin", 3_000),
    ("", "Pinas", 3_000),
)
NETHERLANDS_INHABITANTS = 17_900_000
TAIL_OFFSET = 2_000
DEFAULT_SURNAMES = 20_000

_PATRONYMIC_STEMS = _words(
    "Jan Pieter Hendrik Willem Gerrit Klaas Cornelis Dirk Jacob Albert Huibert "
    "Maarten Thijs Wouter Teun Gijs Joost Lambert Evert Harm Wessel Reinier Arend "
    "Roel Ruud Sander Govert Aart Bart Hein Geert Frans Claas Adriaan Steven Simon "
    "Lodewijk Wijnand Leendert Marten"
)
_PATRONYMIC_ENDS = ("s", "sen", "se", "x", "zoon", "ssen", "sz")
_FRISIAN_STEMS = _words(
    "Sikke Hoek Dijk Wiers Boers Post Tuin Bos Hof Zijl Feen Brou Wierd Rien Hette "
    "Jelle Sjoerd Tjeer Wybe Oege Rinse Folke Hidde Jouke Anne Eelke Bouke Douwe Gerl "
    "Sieb"
)
_FRISIAN_ENDS = ("stra", "sma", "inga", "ema", "ma", "enga", "stra", "ga")
_SAXON_STEMS = _words(
    "Wolter Lub Nijhu Vel Ebber Hof Rouw Veld Kamp Brink Assel Menn Haver Kött Leus "
    "Bart Oon Wessel Geer Hulsh Pen Ten Rief Schol Dinkel Lemm Rik Tank Bult"
)
_SAXON_ENDS = ("ink", "ing", "ers", "kamp", "hof", "huis", "horst", "man")
_PLACE_STEMS = _words(
    "Wijn Hout Zand Eik Linde Hooge Lange Korte Oost West Noord Zuid Klein Groot Oude "
    "Nieuw Wester Ooster Hazel Beuk Elzen Mol Brug Steen Zwart Wit Rood Groen Akker "
    "Weide Riet Vier Mid Hage Berk Rijn Maas Waal Vecht Lek Gouw Dal Kerk Water Mare "
    "Haar Bloem Rozen"
)
_PLACE_ENDS = _words(
    "berg beek dijk veen dam hout broek hoven wijk meer horst donk burg velde gaarden "
    "hoek sloot kamp rode laar loo voort steeg brugge weerd wouden heuvel land"
)
_OCCUPATIONS = _words(
    "Bakker Smit Visser Mulder Kuiper Schouten Brouwer Koster Timmerman Verver "
    "Schipper Slager Wever Kramer Molenaar Boer Snijder Metselaar Schilder Decker "
    "Glazenmaker Kok Backer Kleijn Voerman Hoogeboom Koopman Jager Ruiter Waard Graaf "
    "Haan Wolf Vos Valk Kraai Zwaan Reiger"
)
_OCCUPATION_ENDS = ("", "s", "man", "ink", "ma", "stra", "ers", "se")
_PREFIXES = ("van", "de", "van der", "van den", "van de", "ter", "ten", "te", "op den", "in 't")
_PREFIXED_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Surname:
    """A surname as the BRP holds it: prefix (voorvoegsel, may be empty) and name."""

    prefix: str
    name: str


def surnames(count: int = DEFAULT_SURNAMES, *, seed: int = 1) -> tuple[list[Surname], list[float]]:
    """`count` distinct surnames (the common head, then a generated tail) and their weights,
    which sum to 1; the same seed gives the same names in the same order."""
    rng = random.Random(f"surnames-{seed}")
    head = [Surname(prefix, name) for prefix, name, _ in COMMON_SURNAMES]
    weights = [bearers / NETHERLANDS_INHABITANTS for _, _, bearers in COMMON_SURNAMES]
    seen = {(s.prefix, s.name.lower()) for s in head}
    tail: list[Surname] = []
    families = (
        (_PATRONYMIC_STEMS, _PATRONYMIC_ENDS, 0.0),
        (_FRISIAN_STEMS, _FRISIAN_ENDS, 0.0),
        (_SAXON_STEMS, _SAXON_ENDS, 0.1),
        (_PLACE_STEMS, _PLACE_ENDS, 0.6),
        (_OCCUPATIONS, _OCCUPATION_ENDS, _PREFIXED_SHARE),
    )
    candidates = [
        (stem + end.lower() if end else stem, prefixed)
        for stems, ends, prefixed in families
        for stem in stems
        for end in ends
    ]
    rng.shuffle(candidates)
    wanted = max(0, count - len(head))
    round_ = 0
    while len(tail) < wanted:
        for name, prefixed in candidates:
            prefix = rng.choice(_PREFIXES) if rng.random() < prefixed or round_ else ""
            key = (prefix, name.lower())
            if key not in seen:
                seen.add(key)
                tail.append(Surname(prefix, name))
                if len(tail) == wanted:
                    break
        round_ += 1
        if round_ > len(_PREFIXES) * 4:
            break  # every combination taken: fewer names than asked
    rest = 1.0 - sum(weights)
    raw = [1.0 / (rank + TAIL_OFFSET) for rank in range(len(tail))]
    total = sum(raw) or 1.0
    names = head[:count] + tail
    shares = weights[:count] + [rest * w / total for w in raw]
    norm = sum(shares)
    return names, [s / norm for s in shares]


# First names by generation (born before 1965, 1965–1994, from 1995): (women, men).
FIRST_NAMES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        _words(
            "Maria Johanna Cornelia Wilhelmina Anna Elisabeth Hendrika Geertruida Adriana "
            "Petronella Catharina Jacoba Aaltje Grietje Trijntje Ineke Marijke Annie Gerda "
            "Riet Truus Joke Corrie Els"
        ),
        _words(
            "Johannes Cornelis Hendrik Jan Pieter Willem Gerrit Jacobus Adrianus Petrus Dirk "
            "Klaas Theodorus Antonius Albert Henk Kees Piet Wim Gerard Ton Hans Rob Jaap"
        ),
    ),
    (
        _words(
            "Linda Sandra Monique Marieke Esther Kim Anouk Sanne Mirjam Petra Ingrid Nicole "
            "Saskia Femke Iris Manon Karin Wendy Fatima Naima Samira Hatice Ayse Priya"
        ),
        _words(
            "Peter Marco Mark Dennis Erik Jeroen Martijn Bas Michiel Niels Sander Rob Remco "
            "Patrick Vincent Mohammed Ahmed Mustafa Ali Hakan Rachid Youssef Rajesh Dewi"
        ),
    ),
    (
        _words(
            "Emma Julia Sophie Lotte Noor Sara Eva Lisa Fleur Mila Zoë Tess Saar Nina Yara "
            "Anna Liv Evi Lynn Sofie Amira Aya Nour Ilse"
        ),
        _words(
            "Daan Sem Lucas Levi Finn Milan Thomas Bram Ruben Tim Luuk Noah Jesse Thijs Mees "
            "Liam Max Sven Adam Mohamed Ayoub Yusuf Zakaria Jayden"
        ),
    ),
)

STREET_STEMS = _words(
    "Kerk Molen Dorps School Station Markt Haven Heren Keizers Prinsen Hoog Laan "
    "Linden Eiken Beuken Wilgen Populieren Rozen Tulpen Lelie Vondel Rembrandt "
    "Vermeer Spinoza Erasmus Oranje Nassau Willems Juliana Beatrix Wilhelmina Emma "
    "Parkweg Dijk Zee Rijn Maas Vecht Amstel Spaarne Berken Esdoorn Kastanje Meidoorn "
    "Hazelaar Zonne Merel Lijster Vink Zwaluw"
)
STREET_ENDS = ("straat", "laan", "weg", "plein", "gracht", "kade", "hof", "singel", "dreef", "pad")


def first_name(rng: random.Random, born_year: int, woman: bool) -> str:
    """A first name (sometimes two, for older generations) fitting the birth year."""
    generation = FIRST_NAMES[0 if born_year < 1965 else 1 if born_year < 1995 else 2]
    pool = generation[0] if woman else generation[1]
    name = pool[int(rng.random() * len(pool))]
    if born_year < 1965 and rng.random() < 0.5:
        name = f"{name} {pool[int(rng.random() * len(pool))]}"
    return name


def street_name(rng: random.Random) -> str:
    """A street name as Dutch towns have them."""
    return rng.choice(STREET_STEMS) + rng.choice(STREET_ENDS)
