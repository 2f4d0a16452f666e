"""Results: outcomes and their details, help acceptance, referrals, deadlines, debt help and
forwards (guideline Bijlage 1, §4, §5.3, §7, §8.8)."""

from __future__ import annotations

from vroeg.reporting.indicators.base import (
    CASE_ATTEMPTS,
    CLOSED,
    PER_MUNICIPALITY,
    Indicator,
)

RESULTS: tuple[Indicator, ...] = (
    Indicator(
        "uitkomst",
        "Uitkomst van de melding",
        "Afgesloten meldingen naar uitkomstcategorie (R-FU-4).",
        "afgesloten meldingen met deze uitkomst",
        "afgesloten meldingen",
        "Bijlage 1; §8.8",
        "uitkomst",
        f"SELECT c.municipality, coalesce(o.category, 'GEEN_CATEGORIE'), count(*), "
        f"sum(count(*)) {PER_MUNICIPALITY} {CLOSED} GROUP BY 1, 2",
        share=True,
        by_month=True,
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
        f"SELECT c.municipality, o.detail, count(*), sum(count(*)) {PER_MUNICIPALITY} "
        f"{CLOSED} GROUP BY 1, 2",
        share=True,
        by_month=True,
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
        f"{CLOSED} GROUP BY 1",
        by_month=True,
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
        f"count(DISTINCT c.case_id) {CASE_ATTEMPTS} AND a.reached GROUP BY 1, 2",
        by_month=True,
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
        f"count(*) {CLOSED} AND o.category = 'WIL_HULP' GROUP BY 1",
        by_month=True,
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
        f"count(*) {CLOSED} AND o.category = 'WIL_HULP' GROUP BY 1",
        by_month=True,
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
        by_month=True,
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
        by_month=True,
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
        by_month=True,
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
        by_month=True,
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
        by_month=True,
    ),
)
