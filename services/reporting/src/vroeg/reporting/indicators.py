"""The catalogue: every indicator of the Monitor Vroegsignalering (guideline Bijlage 1, §7–§9)
that the platform's lean facts support, defined once. The API, the CSV and the pages read it.

Each indicator's query gives, per municipality and breakdown key, a numerator and a
denominator (None: a plain count) over the days [:start, :end) and the municipalities :ms.
Signals count in the period of their receipt, cases in that of their opening (their contact,
outcome and deadline with them), attempts in that of the attempt. The regional total adds the
numerators and the denominators up, so a ratio is over the region, not an average of ratios.
CAK registrations produce no facts (§3), so no indicator can count them.
"""

from __future__ import annotations

from dataclasses import dataclass

from vroeg.shared.events import CRISIS_KINDS

_CRISIS = ", ".join(f"'{k.value}'" for k in sorted(CRISIS_KINDS))

# Signals taken up (not refused) received in the period.
_SIGNALS = """
    FROM signal_facts s
    WHERE s.refusal IS NULL AND s.municipality = ANY(:ms)
      AND s.received_on >= :start AND s.received_on < :end
"""
_SIGNALS_ROUTED = """
    FROM signal_facts s LEFT JOIN route_facts r ON r.signal_id = s.signal_id
    WHERE s.refusal IS NULL AND s.municipality = ANY(:ms)
      AND s.received_on >= :start AND s.received_on < :end
"""
# Cases opened in the period.
_CASES = """
    FROM cases c
    WHERE c.municipality = ANY(:ms) AND c.opened_on >= :start AND c.opened_on < :end
"""
# Cases opened in the period that are closed, with their outcome.
_CLOSED = """
    FROM cases c JOIN outcomes o ON o.case_id = c.case_id
    WHERE c.status = 'CLOSED' AND c.municipality = ANY(:ms)
      AND c.opened_on >= :start AND c.opened_on < :end
"""
# Attempts made in the period.
_ATTEMPTS = """
    FROM attempts a
    WHERE a.municipality = ANY(:ms) AND a.attempted_on >= :start AND a.attempted_on < :end
"""
# Each attempt of the cases opened in the period, with the case's outcome if it is closed.
_CASE_ATTEMPTS = """
    FROM cases c
    JOIN attempts a ON a.case_id = c.case_id
    LEFT JOIN outcomes o ON o.case_id = c.case_id AND c.status = 'CLOSED'
    WHERE c.municipality = ANY(:ms) AND c.opened_on >= :start AND c.opened_on < :end
"""
_PER_MUNICIPALITY = "OVER (PARTITION BY c.municipality)"


@dataclass(frozen=True)
class Indicator:
    """One indicator: what it is called, what it counts over what, and where the guideline
    asks for it."""

    name: str
    label: str  # Dutch, as the CSV and the pages show it
    definition: str
    numerator: str
    denominator: str | None  # None: a count
    source: str  # the guideline's section
    breakdown: str | None  # Dutch name of the breakdown key; None: one figure
    query: str
    # The denominator is the municipality's whole (a share of it per key), not the key's own:
    # the region's is then the municipalities' wholes together.
    share: bool = False


def _count(
    name: str,
    label: str,
    definition: str,
    numerator: str,
    source: str,
    query: str,
    breakdown: str | None = None,
) -> Indicator:
    return Indicator(name, label, definition, numerator, None, source, breakdown, query)


CATALOGUE: tuple[Indicator, ...] = (
    # Volume and reach.
    _count(
        "signalen",
        "Aantal vroegsignalen",
        "Signalen die intake opnam (niet geweigerd), naar datum van ontvangst; "
        "CAK-registraties tellen nooit mee.",
        "signalen opgenomen in de periode",
        "Bijlage 1; §7.3",
        f"SELECT s.municipality, '', count(*), NULL {_SIGNALS} GROUP BY 1",
    ),
    _count(
        "crisissignalen",
        "Aantal crisissignalen",
        "Opgenomen signalen van een aangekondigde afsluiting of huisuitzetting.",
        "signalen van soort AFSLUITING of UITHUISZETTING",
        "Bijlage 1; §3.7",
        f"SELECT s.municipality, '', count(*) FILTER (WHERE s.kind IN ({_CRISIS})), NULL "
        f"{_SIGNALS} GROUP BY 1",
    ),
    Indicator(
        "eindroute",
        "Signalen naar eindroute",
        "Opgenomen signalen naar de route van de BRP-controle; een beoordeeld signaal telt één "
        "keer, onder de route die de beoordeling gaf ('review': nog niet beoordeeld).",
        "signalen met deze route",
        "opgenomen signalen",
        "Bijlage 1; §3.2, §5",
        "route",
        f"SELECT s.municipality, coalesce(r.route, 'nog-niet-gecontroleerd'), count(*), "
        f"sum(count(*)) OVER (PARTITION BY s.municipality) {_SIGNALS_ROUTED} GROUP BY 1, 2",
        share=True,
    ),
    Indicator(
        "leeftijd",
        "Leeftijd (signalen)",
        "Opgenomen signalen naar leeftijdsklasse van de schuldenaar op de signaaldatum: volgens "
        "de BRP, anders volgens de schuldeiser; 'onbekend' zonder geboortedatum.",
        "signalen in deze leeftijdsklasse",
        "opgenomen signalen",
        "Bijlage 1 (Leeftijd melding)",
        "leeftijdsklasse",
        f"SELECT s.municipality, coalesce(r.age_band, s.age_band, 'onbekend'), count(*), "
        f"sum(count(*)) OVER (PARTITION BY s.municipality) {_SIGNALS_ROUTED} GROUP BY 1, 2",
        share=True,
    ),
    Indicator(
        "bekend_bij_shv",
        "Inwoner bekend bij SHV",
        "Opgenomen signalen van inwoners die de schuldhulpverlening al kent (R-BRP-4: een "
        "toegelaten product, of een beschikking korter dan 6 maanden geleden).",
        "signalen met eindroute debt-help",
        "opgenomen signalen",
        "Bijlage 1; §5.3",
        None,
        f"SELECT s.municipality, '', count(*) FILTER (WHERE r.route = 'debt-help'), count(*) "
        f"{_SIGNALS_ROUTED} GROUP BY 1",
    ),
    _count(
        "meldingen",
        "Aantal meldingen",
        "Meldingen (één per huishouden en matchingsperiode), naar datum van ontvangst van hun "
        "eerste signaal.",
        "meldingen geopend in de periode",
        "Bijlage 1; §5.1",
        f"SELECT c.municipality, '', count(*), NULL {_CASES} GROUP BY 1",
    ),
    _count(
        "crisismeldingen",
        "Aantal crisismeldingen",
        "Meldingen met ten minste één crisissignaal.",
        "meldingen met crisis",
        "Bijlage 1; §3.7",
        f"SELECT c.municipality, '', count(*) FILTER (WHERE c.crisis), NULL {_CASES} GROUP BY 1",
    ),
    Indicator(
        "signalen_per_melding",
        "Aantal signalen per melding",
        "Gemiddeld aantal signalen per melding (herhaalde signalen tellen mee).",
        "signalen in de meldingen",
        "meldingen",
        "Bijlage 1; §5.1",
        None,
        f"SELECT c.municipality, '', sum(c.signals), count(*) {_CASES} GROUP BY 1",
    ),
    Indicator(
        "schuldbedrag_per_melding",
        "Hoogte schuldbedrag per melding",
        "Gemiddelde achterstand per melding in euro: per schuldeiser en soort achterstand het "
        "bedrag van het laatste signaal, opgeteld.",
        "achterstand van de meldingen (euro)",
        "meldingen",
        "Bijlage 1",
        None,
        f"SELECT c.municipality, '', sum(c.debt_amount), count(*) {_CASES} GROUP BY 1",
    ),
    Indicator(
        "huishoudgrootte",
        "Huishoudsamenstelling melding (personen)",
        "Meldingen naar het aantal ingeschrevenen op het adres volgens de BRP ('onbekend' "
        "zonder BRP-adres).",
        "meldingen met dit aantal personen",
        "meldingen",
        "Bijlage 1",
        "personen",
        "SELECT c.municipality, CASE WHEN c.household_size IS NULL THEN 'onbekend' "
        "WHEN c.household_size >= 5 THEN '5+' ELSE c.household_size::text END, count(*), "
        f"sum(count(*)) {_PER_MUNICIPALITY} {_CASES} GROUP BY 1, 2",
        share=True,
    ),
    Indicator(
        "minderjarigen",
        "Meldingen met minderjarigen in het huishouden",
        "Meldingen met ten minste één minderjarige op het adres volgens de BRP.",
        "meldingen met minderjarigen",
        "meldingen",
        "Bijlage 1 (Huishoudsamenstelling)",
        None,
        f"SELECT c.municipality, '', count(*) FILTER (WHERE c.minors_present), count(*) "
        f"{_CASES} GROUP BY 1",
    ),
    _count(
        "postcodegebied",
        "Postcodegebied van melding",
        "Meldingen naar de vier cijfers van de postcode.",
        "meldingen in dit postcodegebied",
        "Bijlage 1",
        f"SELECT c.municipality, c.postcode_area, count(*), NULL {_CASES} GROUP BY 1, 2",
        breakdown="postcodegebied",
    ),
    Indicator(
        "recidive",
        "Aantal recidive",
        "Meldingen van een adres waarvan een andere melding in de 6 maanden ervoor een signaal "
        "had (R-MAT-3).",
        "recidiverende meldingen",
        "meldingen",
        "Bijlage 1; §5.2",
        None,
        f"SELECT c.municipality, '', count(*) FILTER (WHERE c.recidive), count(*) "
        f"{_CASES} GROUP BY 1",
    ),
    Indicator(
        "opeenvolgend",
        "Opeenvolgende meldingen naar vorige uitkomst",
        "Recidiverende meldingen binnen 2 maanden na de vorige (R-MAT-3), naar de uitkomst "
        "van die vorige melding ('open': nog zonder uitkomst).",
        "opeenvolgende meldingen met deze vorige uitkomst",
        "recidiverende meldingen",
        "§5.2",
        "vorige uitkomst",
        "SELECT c.municipality, coalesce(c.previous_outcome, 'open'), "
        "count(*) FILTER (WHERE c.consecutive), "
        f"sum(count(*)) {_PER_MUNICIPALITY} {_CASES} AND c.recidive GROUP BY 1, 2",
        share=True,
    ),
    _count(
        "contactpogingen",
        "Aantal contactpogingen",
        "Contactpogingen naar soort (R-FU-2), automatische brieven en sms'en inbegrepen, naar "
        "datum van de poging.",
        "contactpogingen van deze soort",
        "Bijlage 1; §7.7",
        f"SELECT a.municipality, a.kind, count(*), NULL {_ATTEMPTS} GROUP BY 1, 2",
        breakdown="soort contactpoging",
    ),
    Indicator(
        "contactpogingen_met_contact",
        "Aantal contactpogingen dat heeft geleid tot contact",
        "Contactpogingen waarbij de inwoner bereikt is, naar soort.",
        "bereikte contactpogingen van deze soort",
        "contactpogingen van deze soort",
        "Bijlage 1; §8.5.2",
        "soort contactpoging",
        f"SELECT a.municipality, a.kind, count(*) FILTER (WHERE a.reached), count(*) "
        f"{_ATTEMPTS} GROUP BY 1, 2",
    ),
    Indicator(
        "meldingen_met_contact",
        "Aantal meldingen waarbij contact met inwoner",
        "Meldingen met ten minste één contactpoging waarbij de inwoner bereikt is.",
        "meldingen met contact",
        "meldingen",
        "Bijlage 1; §8.5.2",
        None,
        "SELECT c.municipality, '', count(*) FILTER (WHERE EXISTS (SELECT 1 FROM attempts a "
        f"WHERE a.case_id = c.case_id AND a.reached)), count(*) {_CASES} GROUP BY 1",
    ),
    Indicator(
        "bereikt_per_soort",
        "Aantal bereikte meldingen naar type contactpoging",
        "Per soort contactpoging: meldingen die met die soort bereikt zijn, van de meldingen "
        "die een poging van die soort hadden.",
        "meldingen bereikt met deze soort",
        "meldingen met een poging van deze soort",
        "Bijlage 1; §8.5.2",
        "soort contactpoging",
        "SELECT c.municipality, a.kind, count(DISTINCT c.case_id) FILTER (WHERE a.reached), "
        f"count(DISTINCT c.case_id) {_CASE_ATTEMPTS} GROUP BY 1, 2",
    ),
    # Results.
    Indicator(
        "uitkomst",
        "Uitkomst van de melding",
        "Afgesloten meldingen naar uitkomstcategorie (R-FU-4).",
        "afgesloten meldingen met deze uitkomst",
        "afgesloten meldingen",
        "Bijlage 1; §8.8",
        "uitkomst",
        f"SELECT c.municipality, coalesce(o.category, 'GEEN_CATEGORIE'), count(*), "
        f"sum(count(*)) {_PER_MUNICIPALITY} {_CLOSED} GROUP BY 1, 2",
        share=True,
    ),
    Indicator(
        "uitkomst_detail",
        "Uitkomst naar detail (type hulp, reden geen hulp)",
        "Afgesloten meldingen naar detail van de uitkomst (EnumEindresultaat): het type hulp "
        "bij WIL_HULP, de reden bij WIL_GEEN_HULP.",
        "afgesloten meldingen met dit detail",
        "afgesloten meldingen",
        "Bijlage 1; §8.8",
        "detail",
        f"SELECT c.municipality, o.detail, count(*), sum(count(*)) {_PER_MUNICIPALITY} "
        f"{_CLOSED} GROUP BY 1, 2",
        share=True,
    ),
    Indicator(
        "hulpacceptatie",
        "Aantal meldingen met hulpacceptatie",
        "Afgesloten meldingen waarin de inwoner hulp accepteerde (WIL_HULP).",
        "meldingen met uitkomst WIL_HULP",
        "afgesloten meldingen",
        "Bijlage 1; §8.8",
        None,
        f"SELECT c.municipality, '', count(*) FILTER (WHERE o.category = 'WIL_HULP'), count(*) "
        f"{_CLOSED} GROUP BY 1",
    ),
    Indicator(
        "hulpacceptatie_per_soort",
        "Hulpacceptatie naar type contactpoging",
        "Per soort contactpoging: meldingen met hulpacceptatie van de meldingen die met die "
        "soort bereikt zijn.",
        "meldingen bereikt met deze soort en met uitkomst WIL_HULP",
        "meldingen bereikt met deze soort",
        "Bijlage 1",
        "soort contactpoging",
        "SELECT c.municipality, a.kind, "
        "count(DISTINCT c.case_id) FILTER (WHERE o.category = 'WIL_HULP'), "
        f"count(DISTINCT c.case_id) {_CASE_ATTEMPTS} AND a.reached GROUP BY 1, 2",
    ),
    Indicator(
        "verwijzing_financieel",
        "Aantal doorverwijzingen naar financiële hulp",
        "Meldingen met hulpacceptatie die verwezen zijn naar financiële vervolghulp.",
        "meldingen met detail VERWIJZING_FINANCIEEL",
        "meldingen met uitkomst WIL_HULP",
        "Bijlage 1; §8.8",
        None,
        "SELECT c.municipality, '', count(*) FILTER (WHERE o.detail = 'VERWIJZING_FINANCIEEL'), "
        f"count(*) {_CLOSED} AND o.category = 'WIL_HULP' GROUP BY 1",
    ),
    Indicator(
        "verwijzing_niet_financieel",
        "Aantal doorverwijzingen naar niet-financiële hulp",
        "Meldingen met hulpacceptatie die verwezen zijn naar niet-financiële vervolghulp.",
        "meldingen met detail VERWIJZING_NIET_FINANCIEEL",
        "meldingen met uitkomst WIL_HULP",
        "Bijlage 1; §8.8",
        None,
        "SELECT c.municipality, '', "
        "count(*) FILTER (WHERE o.detail = 'VERWIJZING_NIET_FINANCIEEL'), "
        f"count(*) {_CLOSED} AND o.category = 'WIL_HULP' GROUP BY 1",
    ),
    Indicator(
        "termijn_gehaald",
        "Eerste contact binnen de termijn",
        "Meldingen waarvan een medewerker het eerste contact probeerde op of voor de eigen "
        "termijn van de melding (R-FU-1), van de meldingen waarvan de termijn gehaald of "
        "verstreken is.",
        "meldingen op tijd opgepakt",
        "meldingen opgepakt of met verstreken termijn",
        "§4, §7 (R-FU-1)",
        None,
        "SELECT c.municipality, '', count(*) FILTER (WHERE d.met_on_time), count(*) "
        "FROM cases c JOIN deadlines d ON d.case_id = c.case_id "
        "WHERE (d.met_on_time IS NOT NULL OR d.missed) AND c.municipality = ANY(:ms) "
        "AND c.opened_on >= :start AND c.opened_on < :end GROUP BY 1",
    ),
    Indicator(
        "termijn_bijna_verlopen",
        "Meldingen gewaarschuwd: termijn bijna verlopen",
        "Meldingen waarvoor gewaarschuwd is dat de termijn van het eerste contact bijna "
        "verliep terwijl nog niemand het had geprobeerd (R-FU-1), van de meldingen met een "
        "termijn.",
        "meldingen met waarschuwing",
        "meldingen met een termijn",
        "§7 (R-FU-1)",
        None,
        "SELECT c.municipality, '', count(*) FILTER (WHERE d.due_soon), count(*) "
        "FROM cases c JOIN deadlines d ON d.case_id = c.case_id "
        "WHERE d.due_date IS NOT NULL AND c.municipality = ANY(:ms) "
        "AND c.opened_on >= :start AND c.opened_on < :end GROUP BY 1",
    ),
    Indicator(
        "tussenresultaat_bereikt",
        "Tussenresultaat na 14 dagen: inwoner bereikt",
        "Meldingen die 14 dagen na opening nog geen uitkomst hadden (tussenresultaat, R-FU-5) "
        "en waarbij een poging de inwoner al bereikte, van alle meldingen met een "
        "tussenresultaat.",
        "meldingen met tussenresultaat, bereikt",
        "meldingen met tussenresultaat",
        "§8.8 (R-FU-5)",
        None,
        "SELECT c.municipality, '', count(*) FILTER (WHERE t.reached), count(*) "
        "FROM cases c JOIN intermediate_results t ON t.case_id = c.case_id "
        "WHERE c.municipality = ANY(:ms) AND c.opened_on >= :start AND c.opened_on < :end "
        "GROUP BY 1",
    ),
    Indicator(
        "shv_uitkomst",
        "Uitkomst bij inwoners bekend bij SHV",
        "Signalen van inwoners bekend bij de schuldhulpverlening die een SHV-medewerker "
        "afhandelde, naar uitkomstcategorie, naar datum van afhandeling.",
        "afgehandelde signalen met deze uitkomst",
        "afgehandelde signalen",
        "Bijlage 1 (Inwoner bekend bij SHV); §5.3",
        "uitkomst",
        "SELECT h.municipality, h.category, count(*), "
        "sum(count(*)) OVER (PARTITION BY h.municipality) FROM debt_help_handled h "
        "WHERE h.municipality = ANY(:ms) "
        "AND (h.handled_at AT TIME ZONE 'Europe/Amsterdam')::date >= :start "
        "AND (h.handled_at AT TIME ZONE 'Europe/Amsterdam')::date < :end GROUP BY 1, 2",
        share=True,
    ),
    Indicator(
        "doorgestuurd",
        "Verhuisde signalen doorgestuurd naar de bevoegde gemeente",
        "Signalen van inwoners die naar een andere gemeente verhuisd zijn (R-BRP-1), naar wat "
        "er met het doorsturen gebeurde: doorgestuurd naar de bevoegde gemeente (Awb 2:3), of "
        "de reden waarom niet (geen vroeg-omgeving bekend, geen sleutel, geweigerd), naar "
        "datum van die beslissing; geteld bij de doorsturende gemeente.",
        "verhuisde signalen met deze uitkomst van het doorsturen",
        "verhuisde signalen waarover het doorsturen beslist is",
        "§3.2; Awb 2:3 (R-BRP-1)",
        "uitkomst doorsturen",
        "SELECT f.municipality, f.outcome, count(*), "
        "sum(count(*)) OVER (PARTITION BY f.municipality) FROM forwards f "
        "WHERE f.municipality = ANY(:ms) AND f.decided_on >= :start AND f.decided_on < :end "
        "GROUP BY 1, 2",
        share=True,
    ),
    # Creditors.
    _count(
        "niet_opgepakt",
        "Signalen niet opgepakt naar reden",
        "Signalen die intake niet opnam, naar reden (R-IN-1 … R-IN-4).",
        "geweigerde signalen met deze reden",
        "Bijlage 1; §2.3, §8.3.1",
        "SELECT s.municipality, s.refusal, count(*), NULL FROM signal_facts s "
        "WHERE s.refusal IS NOT NULL AND s.municipality = ANY(:ms) "
        "AND s.received_on >= :start AND s.received_on < :end GROUP BY 1, 2",
        breakdown="reden",
    ),
    _count(
        "signalen_per_type_vlp",
        "Aantal signalen per type VLP",
        "Opgenomen signalen naar soort schuldeiser (vaste-lastenpartner).",
        "signalen van dit type schuldeiser",
        "Bijlage 1",
        f"SELECT s.municipality, s.vlp_type, count(*), NULL {_SIGNALS} GROUP BY 1, 2",
        breakdown="type VLP",
    ),
    _count(
        "signalen_per_vlp",
        "Aantal signalen per VLP",
        "Opgenomen signalen naar schuldeiser.",
        "signalen van deze schuldeiser",
        "Bijlage 1",
        f"SELECT s.municipality, s.vlp_id, count(*), NULL {_SIGNALS} GROUP BY 1, 2",
        breakdown="VLP",
    ),
    Indicator(
        "volledigheid_telefoon",
        "Volledigheid aanlevering: telefoonnummer",
        "Per schuldeiser: opgenomen signalen met een telefoonnummer.",
        "signalen met telefoonnummer",
        "signalen van deze schuldeiser",
        "Bijlage 1; §2.3, §8.3.1",
        "VLP",
        f"SELECT s.municipality, s.vlp_id, count(*) FILTER (WHERE s.phone_present), count(*) "
        f"{_SIGNALS} GROUP BY 1, 2",
    ),
    Indicator(
        "volledigheid_email",
        "Volledigheid aanlevering: e-mailadres",
        "Per schuldeiser: opgenomen signalen met een e-mailadres.",
        "signalen met e-mailadres",
        "signalen van deze schuldeiser",
        "Bijlage 1; §2.3, §8.3.1",
        "VLP",
        f"SELECT s.municipality, s.vlp_id, count(*) FILTER (WHERE s.email_present), count(*) "
        f"{_SIGNALS} GROUP BY 1, 2",
    ),
)
BY_NAME = {indicator.name: indicator for indicator in CATALOGUE}
