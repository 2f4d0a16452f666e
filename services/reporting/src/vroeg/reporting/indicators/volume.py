"""Volume and reach: signals, routes, cases and their households, contact attempts and
the cases they reached (guideline Bijlage 1, §5, §7)."""

from __future__ import annotations

from vroeg.reporting.indicators.base import (
    ATTEMPTS,
    CASE_ATTEMPTS,
    CASES,
    CRISIS,
    PER_MUNICIPALITY,
    SIGNALS,
    SIGNALS_ROUTED,
    Indicator,
    count,
)

VOLUME: tuple[Indicator, ...] = (
    # Volume and reach.
    count(
        "signalen",
        "Aantal vroegsignalen",
        "Signalen die intake opnam (niet geweigerd), naar datum van ontvangst; "
        "CAK-registraties tellen nooit mee.",
        "signalen opgenomen in de periode",
        "Bijlage 1; §7.3",
        f"SELECT s.municipality, '', count(*), NULL {SIGNALS} GROUP BY 1",
        by_month=True,
    ),
    count(
        "crisissignalen",
        "Aantal crisissignalen",
        "Opgenomen signalen van een aangekondigde afsluiting of huisuitzetting.",
        "signalen van soort AFSLUITING of UITHUISZETTING",
        "Bijlage 1; §3.7",
        f"SELECT s.municipality, '', count(*) FILTER (WHERE s.kind IN ({CRISIS})), NULL "
        f"{SIGNALS} GROUP BY 1",
        by_month=True,
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
        f"sum(count(*)) OVER (PARTITION BY s.municipality) {SIGNALS_ROUTED} GROUP BY 1, 2",
        share=True,
        by_month=True,
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
        f"sum(count(*)) OVER (PARTITION BY s.municipality) {SIGNALS_ROUTED} GROUP BY 1, 2",
        share=True,
        by_month=True,
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
        f"{SIGNALS_ROUTED} GROUP BY 1",
        by_month=True,
    ),
    count(
        "meldingen",
        "Aantal meldingen",
        "Meldingen (één per huishouden en matchingsperiode), naar datum van ontvangst van hun "
        "eerste signaal.",
        "meldingen geopend in de periode",
        "Bijlage 1; §5.1",
        f"SELECT c.municipality, '', count(*), NULL {CASES} GROUP BY 1",
        by_month=True,
    ),
    count(
        "crisismeldingen",
        "Aantal crisismeldingen",
        "Meldingen met ten minste één crisissignaal.",
        "meldingen met crisis",
        "Bijlage 1; §3.7",
        f"SELECT c.municipality, '', count(*) FILTER (WHERE c.crisis), NULL {CASES} GROUP BY 1",
        by_month=True,
    ),
    Indicator(
        "signalen_per_melding",
        "Aantal signalen per melding",
        "Gemiddeld aantal signalen per melding (herhaalde signalen tellen mee).",
        "signalen in de meldingen",
        "meldingen",
        "Bijlage 1; §5.1",
        None,
        f"SELECT c.municipality, '', sum(c.signals), count(*) {CASES} GROUP BY 1",
        by_month=True,
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
        f"SELECT c.municipality, '', sum(c.debt_amount), count(*) {CASES} GROUP BY 1",
        by_month=True,
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
        f"sum(count(*)) {PER_MUNICIPALITY} {CASES} GROUP BY 1, 2",
        share=True,
        by_month=True,
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
        f"{CASES} GROUP BY 1",
        by_month=True,
    ),
    count(
        "postcodegebied",
        "Postcodegebied van melding",
        "Meldingen naar de vier cijfers van de postcode.",
        "meldingen in dit postcodegebied",
        "Bijlage 1",
        f"SELECT c.municipality, c.postcode_area, count(*), NULL {CASES} GROUP BY 1, 2",
        breakdown="postcodegebied",
        by_month=True,
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
        f"{CASES} GROUP BY 1",
        by_month=True,
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
        f"sum(count(*)) {PER_MUNICIPALITY} {CASES} AND c.recidive GROUP BY 1, 2",
        share=True,
        by_month=True,
    ),
    count(
        "contactpogingen",
        "Aantal contactpogingen",
        "Contactpogingen naar soort (R-FU-2), automatische brieven en sms'en inbegrepen, naar "
        "datum van de poging.",
        "contactpogingen van deze soort",
        "Bijlage 1; §7.7",
        f"SELECT a.municipality, a.kind, count(*), NULL {ATTEMPTS} GROUP BY 1, 2",
        breakdown="soort contactpoging",
        by_month=True,
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
        f"{ATTEMPTS} GROUP BY 1, 2",
        by_month=True,
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
        f"WHERE a.case_id = c.case_id AND a.reached)), count(*) {CASES} GROUP BY 1",
        by_month=True,
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
        f"count(DISTINCT c.case_id) {CASE_ATTEMPTS} GROUP BY 1, 2",
        by_month=True,
    ),
)
