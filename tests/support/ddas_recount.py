"""The round trip between the CBS (DDAS) export and the monitor's indicators (domain §9): the
counts a reader of a delivery can make from it, in the indicators' terms, and the indicators'
counts brought to the delivery's grain where the schema's words join several of the
platform's values (`Energie` is `ENERGIE` and `WARMTE`; one status holds two routes).

Each count is a numerator with its denominator (None for a plain count), keyed by the
catalogue's indicator name and its breakdown key. The schema's words are mapped back to the
platform's values here, written out from the detail model, not taken from the matcher's maps:
an export that put a value under the wrong word disagrees with reporting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from tests.support.monitor import Counts

Recount = dict[tuple[str, str | None], tuple[Decimal, Decimal | None]]

# EnumContactsoort → R-FU-2's kinds.
SOORT = {
    "Mail": "EMAIL",
    "Brief": "BRIEF",
    "SMS/Whatsapp": "SMS_WHATSAPP",
    "Telefoon": "TELEFOON",
    "Huisbezoek": "HUISBEZOEK",
    "Kaartje": "KAART",
    "Overige": "ANDERS",
    "Administratief": "ADMINISTRATIEF",
}
# EnumEindresultaat → R-FU-4's category and detail; a deceased debtor's case closes without a
# category (R-BRP-2), which reporting keys `GEEN_CATEGORIE`.
RESULTAAT = {
    "(Budget)advies en/of quick fix": ("WIL_HULP", "QUICK_FIX"),
    "Vervolghulp en/of verwijzing financieel": ("WIL_HULP", "VERWIJZING_FINANCIEEL"),
    "Vervolghulp en/of verwijzing niet financieel": ("WIL_HULP", "VERWIJZING_NIET_FINANCIEEL"),
    "Verwijzing zonder contact": ("WIL_HULP", "VERWIJZING_ZONDER_CONTACT"),
    "Inwoner hoeft geen hulp vanuit vroegsignalering": ("WIL_GEEN_HULP", "GEEN_HULP_NODIG"),
    "Inwoner heeft zelf al betaald/betalingsregeling getroffen": ("WIL_GEEN_HULP", "ZELF_GEREGELD"),
    "Inwoner heeft al een ander lopend traject": ("WIL_GEEN_HULP", "ANDER_TRAJECT"),
    "Definitief geen contact kunnen krijgen": ("NIET_BEREIKT", "GEEN_CONTACT"),
    "Geen reactie na eerder contact": ("NIET_BEREIKT", "GEEN_REACTIE"),
    "Inwoner al bekend bij schuldhulpverlening": ("BEKEND_BIJ_SHV", "BEKEND_BIJ_SHV"),
    "Inwoner is overleden": ("GEEN_CATEGORIE", "OVERLEDEN"),
}
# The creditor types under each EnumSignaalpartner word (domain §9: heat is `Energie`).
PARTNER_OF_TYPE = {
    "HUUR": "Huur",
    "DRINKWATER": "Water",
    "ZORGVERZEKERING": "Zorg",
    "ENERGIE": "Energie",
    "WARMTE": "Energie",
}
# What a signal's status (or its zaak) tells of its final route. A picked-up signal has no
# status, an untouched one "Nog niet opgepakt", a repeat "herhaalde melding": for those the
# zaak tells — a case the matcher made (resident or minor), or the SHV professional's.
GROUP_OF_STATUS = {
    "Inwoner is overleden": "overleden",
    "Persoon is geen inwoner (meer) in de gemeente": "geen-inwoner",
    "Niet opgepakt: andere reden": "andere-reden",
}
ONTERECHT = "Niet opgepakt: onterecht signaal"
# Intake's refusals under the delivery's statuses (R-IN-1 … R-IN-4).
STATUS_OF_REFUSAL = {
    "TERMIJN": "onterecht",
    "ONDER_DREMPEL": "onterecht",
    "RECHTSPERSOON": "andere-reden",
    "SOCIALE_INCASSO": "andere-reden",
}
GROUP_OF_ROUTE = {
    "deceased": "overleden",
    "relocated": "geen-inwoner",
    "emigrated": "geen-inwoner",
    "legal-person": "andere-reden",
    "debt-help": "schuldhulp",
    "resident": "melding",
    "minor": "melding",
}
# The indicators a delivery carries the counts of (the rest need what it does not hold:
# deadlines, households, ages by the BRP, creditors by name, recidive).
COMPARED = (
    "signalen",
    "crisissignalen",
    "signalen_per_type_vlp",
    "eindroute",
    "bekend_bij_shv",
    "meldingen",
    "crisismeldingen",
    "signalen_per_melding",
    "contactpogingen",
    "contactpogingen_met_contact",
    "meldingen_met_contact",
    "bereikt_per_soort",
    "uitkomst",
    "uitkomst_detail",
    "hulpacceptatie",
    "hulpacceptatie_per_soort",
    "verwijzing_financieel",
    "verwijzing_niet_financieel",
    "shv_uitkomst",
    "niet_opgepakt",
)


def _n(value: int) -> Decimal:
    return Decimal(value)


def _shares(into: Recount, name: str, keys: Iterable[str], whole: int) -> None:
    """A share of the whole per key (the whole is the same for every key)."""
    for key, n in Counter(keys).items():
        into[(name, key)] = (_n(n), _n(whole))


def _ratios(into: Recount, name: str, pairs: Mapping[str, tuple[int, int]]) -> None:
    """A numerator over its own key's denominator."""
    for key, (numerator, denominator) in pairs.items():
        into[(name, key)] = (_n(numerator), _n(denominator))


def recount(levering: Mapping[str, Any]) -> Recount:
    """The indicators' counts made from one `levering` (a municipality and a period). A signal
    "Niet opgepakt: onterecht signaal" is one intake refused (R-IN-1, R-IN-4): counted apart,
    as reporting does. (One intake refused as a legal person or for want of social collection
    is delivered "Niet opgepakt: andere reden", like a signal a reviewer found a legal person:
    the delivery cannot tell them apart, so a month with such refusals does not round-trip.)"""
    delivered = levering["vroegsignalen"]
    refused = [s for s in delivered if s.get("status") == ONTERECHT]
    signals = {s["ID"]: s for s in delivered if s.get("status") != ONTERECHT}
    zaken = levering["vroegsignaalzaken"]
    # A case the matcher made has a matching date; a debt-help signal the SHV professional
    # handles is a zaak of its own without one (R-BRP-4).
    cases = [z for z in zaken if "matchingsdatum" in z]
    shv = [z for z in zaken if "matchingsdatum" not in z]
    in_case = {s["ID"] for z in cases for s in z["vroegsignalen"]}
    in_shv = {s["ID"] for z in shv for s in z["vroegsignalen"]}
    found: Recount = {("niet_opgepakt", "onterecht"): (_n(len(refused)), None)}

    total = len(signals)
    found[("signalen", None)] = (_n(total), None)
    crisis = sum(s["crisissignaal"] for s in signals.values())
    found[("crisissignalen", None)] = (_n(crisis), None)
    for partner, n in Counter(s["signaalpartner"]["type"] for s in signals.values()).items():
        found[("signalen_per_type_vlp", partner)] = (_n(n), None)

    def group(signal_id: str) -> str:
        status = signals[signal_id].get("status")
        if status in GROUP_OF_STATUS:
            return GROUP_OF_STATUS[status]
        if signal_id in in_shv:
            return "schuldhulp"
        return "melding" if signal_id in in_case else f"zonder zaak ({status})"

    _shares(found, "eindroute", (group(i) for i in signals), total)
    found[("bekend_bij_shv", None)] = (_n(len(in_shv & signals.keys())), _n(total))

    found[("meldingen", None)] = (_n(len(cases)), None)
    found[("crisismeldingen", None)] = (
        _n(sum(any(signals[s["ID"]]["crisissignaal"] for s in z["vroegsignalen"]) for z in cases)),
        None,
    )
    found[("signalen_per_melding", None)] = (
        _n(sum(len(z["vroegsignalen"]) for z in cases)),
        _n(len(cases)),
    )

    attempts = [(SOORT[a["soort"]], a["bereikt"]) for z in cases for a in z["contactpogingen"]]
    made = Counter(kind for kind, _ in attempts)
    hits = Counter(kind for kind, hit in attempts if hit)
    for kind, n in made.items():
        found[("contactpogingen", kind)] = (_n(n), None)
    _ratios(found, "contactpogingen_met_contact", {k: (hits[k], n) for k, n in made.items()})
    reached = [z for z in cases if any(a["bereikt"] for a in z["contactpogingen"])]
    found[("meldingen_met_contact", None)] = (_n(len(reached)), _n(len(cases)))
    # Per case: the kinds tried, the kinds that reached the resident, and whether help was
    # accepted.
    per_case = [
        (
            {SOORT[a["soort"]] for a in z["contactpogingen"]},
            {SOORT[a["soort"]] for a in z["contactpogingen"] if a["bereikt"]},
            "resultaat" in z and RESULTAAT[z["resultaat"]][0] == "WIL_HULP",
        )
        for z in cases
    ]
    tried = Counter(k for kinds, _, _ in per_case for k in kinds)
    reached_by = Counter(k for _, kinds, _ in per_case for k in kinds)
    accepted_by = Counter(k for _, kinds, accepted in per_case if accepted for k in kinds)
    _ratios(found, "bereikt_per_soort", {k: (reached_by[k], n) for k, n in tried.items()})
    _ratios(
        found,
        "hulpacceptatie_per_soort",
        {k: (accepted_by[k], n) for k, n in reached_by.items()},
    )

    results = [RESULTAAT[z["resultaat"]] for z in cases if "resultaat" in z]
    closed = len(results)
    _shares(found, "uitkomst", (c for c, _ in results), closed)
    _shares(found, "uitkomst_detail", (d for _, d in results), closed)
    helped = [d for c, d in results if c == "WIL_HULP"]
    if closed:
        found[("hulpacceptatie", None)] = (_n(len(helped)), _n(closed))
    if helped:
        for name, detail in (
            ("verwijzing_financieel", "VERWIJZING_FINANCIEEL"),
            ("verwijzing_niet_financieel", "VERWIJZING_NIET_FINANCIEEL"),
        ):
            found[(name, None)] = (_n(helped.count(detail)), _n(len(helped)))
    handled = [RESULTAAT[z["resultaat"]][0] for z in shv if "resultaat" in z]
    _shares(found, "shv_uitkomst", handled, len(handled))
    return _nonzero(found)


def from_indicators(counts: Counts, municipality: str) -> Recount:
    """Reporting's counts of the compared indicators for one municipality, the creditor types
    and the routes brought together as the delivery's words hold them."""
    found: Recount = {}
    for (name, m, key), (numerator, denominator) in counts.items():
        if m != municipality or name not in COMPARED:
            continue
        if name == "signalen_per_type_vlp" and key in PARTNER_OF_TYPE:
            key = PARTNER_OF_TYPE[key]
        elif name == "eindroute" and key in GROUP_OF_ROUTE:
            key = GROUP_OF_ROUTE[key]
        elif name == "niet_opgepakt" and key in STATUS_OF_REFUSAL:
            key = STATUS_OF_REFUSAL[key]
        if (name, key) in found:
            before, whole = found[(name, key)]
            # A plain count adds up; a share of the whole keeps the whole once.
            found[(name, key)] = (before + numerator, whole)
        else:
            found[(name, key)] = (numerator, denominator)
    return _nonzero(found)


def _nonzero(found: Recount) -> Recount:
    """Leave out what counts nothing over nothing: one side lists a zero the other omits."""
    return {k: v for k, v in found.items() if v[0] or v[1]}


def differences(export: Recount, indicators: Recount) -> dict[tuple[str, str | None], Any]:
    """(export's, reporting's) for every count on which they differ."""
    return {
        k: (export.get(k), indicators.get(k))
        for k in sorted(export.keys() | indicators.keys(), key=str)
        if export.get(k) != indicators.get(k)
    }
