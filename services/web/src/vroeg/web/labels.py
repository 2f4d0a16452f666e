"""Dutch words for the codes the services answer with."""

from __future__ import annotations

import re

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)  # fmt: skip

_LABELS = {
    # signal kinds
    "VROEGSIGNAAL": "Vroegsignaal",
    "EINDELEVERING": "Eindelevering",
    "AFSLUITING": "Afsluiting",
    "UITHUISZETTING": "Uithuiszetting",
    "CAK_WANBETALER": "CAK-wanbetaler",
    # arrears and creditor types
    "HUUR": "Huur",
    "DRINKWATER": "Drinkwater",
    "ZORGVERZEKERING": "Zorgverzekering",
    "ELEKTRICITEIT": "Elektriciteit",
    "GAS": "Gas",
    "WARMTE": "Warmte",
    "ENERGIE": "Energie",
    # routes
    "resident": "Inwoner op het adres",
    "relocated": "Verhuisd",
    "emigrated": "Geëmigreerd",
    "deceased": "Overleden",
    "minor": "Minderjarig",
    "debt-help": "Bekend bij schuldhulp",
    "review": "Beoordelen",
    "legal-person": "Rechtspersoon",
    # review choices
    "candidate": "Een persoon uit de BRP",
    "signal-data": "De gegevens uit het signaal",
    # how a candidate was found
    "search": "gevonden op naam en geboortedatum",
    "address": "ingeschreven op het adres van het signaal",
    # municipalities
    "0363": "Amsterdam",
    "0518": "'s-Gravenhage",
    "0599": "Rotterdam",
}


def label(code: object) -> str:
    """The Dutch word for a code; the code itself when there is none."""
    return _LABELS.get(str(code), str(code))


# brp-check's reasons for queueing a signal (R-BRP-5), in Dutch; the rule id stays.
_REASONS = (
    (re.compile(r"(\d+) candidates in the BRP"), "{0} kandidaten in de BRP"),
    (re.compile(r"no person found in the BRP"), "niemand gevonden in de BRP"),
    (
        re.compile(r"only a business name, no person to look up"),
        "alleen een bedrijfsnaam, geen persoon om op te zoeken",
    ),
    (re.compile(r"registration suspended \((.*)\)"), "inschrijving opgeschort ({0})"),
    (re.compile(r"no municipality of registration"), "geen gemeente van inschrijving"),
    (
        re.compile(r"the debtor's surname has characters the BRP cannot be searched with"),
        "de achternaam heeft tekens waarop de BRP niet kan zoeken",
    ),
    (
        re.compile(r"the debtor's prefix has characters the BRP cannot be searched with"),
        "het voorvoegsel heeft tekens waarop de BRP niet kan zoeken",
    ),
)


def reason(text: str) -> str:
    """A reason in Dutch (`R-BRP-5: 2 kandidaten in de BRP`); unknown ones as they are."""
    rule, separator, why = text.partition(": ")
    for pattern, dutch in _REASONS:
        if match := pattern.fullmatch(why):
            return f"{rule}{separator}{dutch.format(*match.groups())}"
    return text
