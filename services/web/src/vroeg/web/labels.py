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
    # a case's status and flags
    "OPEN": "Open",
    "CLOSED": "Gesloten",
    "OVERLEDEN": "Overleden",
    "MINDERJARIG": "Minderjarig",
    "ONDERNEMER": "Ondernemer",
    # repeats (R-IN-5)
    "SAME_OPEN_CASE": "herhaling binnen de open melding",
    "SAME_DEBT": "herhaling van dezelfde schuld",
    # contact attempts: the CBS export's kinds, parts of the day and results (R-FU-2)
    "TELEFOON": "Telefoon",
    "HUISBEZOEK": "Huisbezoek",
    "SMS_WHATSAPP": "SMS of WhatsApp",
    "EMAIL": "E-mail",
    "BRIEF": "Brief",
    "KAART": "Kaart",
    "ADMINISTRATIEF": "Administratief",
    "ANDERS": "Anders",
    "OCHTEND": "Ochtend",
    "MIDDAG": "Middag",
    "AVOND": "Avond",
    "BEREIKT": "Bereikt",
    "NIET_BEREIKT": "Niet bereikt",
    # outcomes: the monitor's categories and the CBS export's details (R-FU-4)
    "WIL_HULP": "Wil hulp",
    "WIL_GEEN_HULP": "Wil geen hulp",
    "BEKEND_BIJ_SHV": "Bekend bij schuldhulp",
    "QUICK_FIX": "Snel opgelost (quick fix)",
    "VERWIJZING_FINANCIEEL": "Verwezen naar financiële hulp",
    "VERWIJZING_NIET_FINANCIEEL": "Verwezen naar niet-financiële hulp",
    "VERWIJZING_ZONDER_CONTACT": "Verwezen zonder contact",
    "GEEN_HULP_NODIG": "Geen hulp nodig",
    "ZELF_GEREGELD": "Zelf geregeld",
    "ANDER_TRAJECT": "Al in een ander traject",
    "GEEN_CONTACT": "Geen contact gekregen",
    "GEEN_REACTIE": "Geen reactie na contact",
    # the parts of a priority score (R-MAT-4)
    "creditor_types": "Soorten schuldeisers",
    "total_arrears": "Totale achterstand (euro)",
    "rent_arrears": "Huurachterstand",
    "minors": "Minderjarigen in het huishouden",
    "oldest_claim_months": "Oudste vordering (maanden)",
    "recidive": "Recidive",
    "vulnerable_area": "Kwetsbare wijk",
    # debt-help standing (R-BRP-4 a, b)
    "ACTIVE": "Krijgt nu schuldhulp",
    "RECENT_DECISION": "Eindbesluit minder dan 6 maanden geleden",
    # social-collection attestations (R-IN-2)
    "writtenReminder": "Schriftelijke herinnering gestuurd",
    "personalContactAttempt": "Persoonlijk contact geprobeerd",
    "debtHelpReferral": "Gewezen op schuldhulp",
    "dataSharingOffer": "Aangeboden gegevens door te geven aan de gemeente",
    # contact-plan criteria (R-FU-3)
    "phoneKnown": "Telefoonnummer bekend",
    "emailKnown": "E-mailadres bekend",
    "crisis": "Crisis",
    # municipalities
    "0363": "Amsterdam",
    "0518": "'s-Gravenhage",
    "0599": "Rotterdam",
}


# Where a case stands against its first-contact deadline (R-FU-1): the badge's text.
DEADLINE_STATES = {
    "OPEN": "Binnen termijn",
    "DUE_SOON": "Termijn bijna om",
    "MISSED": "Termijn gemist",
    "MET": "Op tijd opgepakt",
    "MET_LATE": "Te laat opgepakt",
}


def deadline_state(code: object) -> str:
    """The badge's text for a deadline state."""
    return DEADLINE_STATES.get(str(code), str(code))


def label(code: object) -> str:
    """The Dutch word for a code; the code itself when there is none."""
    return _LABELS.get(str(code), str(code))


def municipality(code: object) -> str:
    """A municipality by name and CBS code (`Amsterdam (0363)`); by its code alone when its
    name is not known here (the tenant registry carries codes, not names)."""
    name = label(code)
    return name if name == str(code) else f"{name} ({code})"


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
