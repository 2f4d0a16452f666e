"""Creditors: what they deliver, what intake did not take up, their agreements in force and
who among them has gone silent (guideline Bijlage 1, §2.3, §8.3.1)."""

from __future__ import annotations

from vroeg.reporting.indicators.base import SIGNALS, Indicator, count

# Policy: a creditor with an agreement in force that delivered no signal the municipality took
# up in this many weeks before the period's end has gone silent (§8.3.1 "continuïteit van
# aanlevering"). Each municipality sets its own (`PUT /v1/beheer/gemeenten/{g}/monitorbeleid`,
# its newest version counts); this is the default.
SILENT_WEEKS = 8
_POLICY_DAYS = f"""7 * coalesce((
    SELECT p.silent_weeks FROM monitor_policies p WHERE p.municipality = g.municipality
    ORDER BY p.version DESC LIMIT 1), {SILENT_WEEKS})"""

# Agreements (R-IN-7) in force on the period's last day: started by then, not ended before.
IN_FORCE = """
    FROM agreements g
    WHERE NOT g.removed AND g.municipality = ANY(:ms)
      AND g.starts_on < :end AND (g.ends_on IS NULL OR g.ends_on >= CAST(:end AS date) - 1)
"""

CREDITORS: tuple[Indicator, ...] = (
    count(
        "niet_opgepakt",
        "Signalen niet opgepakt naar reden",
        "Signalen die intake niet opnam, naar reden (R-IN-1 … R-IN-4).",
        "geweigerde signalen met deze reden",
        "Bijlage 1; §2.3, §8.3.1",
        "SELECT s.municipality, s.refusal, count(*), NULL FROM signal_facts s "
        "WHERE s.refusal IS NOT NULL AND s.municipality = ANY(:ms) "
        "AND s.received_on >= :start AND s.received_on < :end GROUP BY 1, 2",
        breakdown="reden",
        by_month=True,
    ),
    count(
        "signalen_per_type_vlp",
        "Aantal signalen per type VLP",
        "Opgenomen signalen naar soort schuldeiser (vaste-lastenpartner).",
        "signalen van dit type schuldeiser",
        "Bijlage 1",
        f"SELECT s.municipality, s.vlp_type, count(*), NULL {SIGNALS} GROUP BY 1, 2",
        breakdown="type VLP",
        by_month=True,
    ),
    count(
        "signalen_per_vlp",
        "Aantal signalen per VLP",
        "Opgenomen signalen naar schuldeiser.",
        "signalen van deze schuldeiser",
        "Bijlage 1",
        f"SELECT s.municipality, s.vlp_id, count(*), NULL {SIGNALS} GROUP BY 1, 2",
        breakdown="VLP",
        by_month=True,
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
        f"{SIGNALS} GROUP BY 1, 2",
        by_month=True,
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
        f"{SIGNALS} GROUP BY 1, 2",
        by_month=True,
    ),
    count(
        "overeenkomsten",
        "Aantal overeenkomsten met VLP's van kracht",
        "Overeenkomsten (modelovereenkomst, R-IN-7) van schuldeisers met de gemeente die op de "
        "laatste dag van de periode van kracht zijn: begonnen en niet geëindigd; een "
        "verwijderde overeenkomst telt nooit.",
        "overeenkomsten van kracht aan het eind van de periode",
        "Bijlage 1 (Aantal van ondertekende overeenkomsten met VLP's); §2.4, §8.3.1",
        f"SELECT g.municipality, '', count(*), NULL {IN_FORCE} GROUP BY 1",
    ),
    count(
        "vlp_stilgevallen",
        "VLP's stilgevallen",
        "Schuldeisers met een overeenkomst van kracht aan het eind van de periode die in de "
        "weken ervoor geen signaal aanleverden dat de gemeente opnam (het aantal weken is "
        f"beleid van de gemeente, standaard {SILENT_WEEKS}), naar schuldeiser; in de regio het "
        "aantal gemeenten waarvoor de schuldeiser stilviel.",
        "schuldeisers met een overeenkomst van kracht zonder opgenomen signaal in de weken "
        "(beleid) voor het eind van de periode",
        "§8.3.1 (Continuïteit van aanlevering van verschillende partners); §2.3",
        f"SELECT g.municipality, g.vlp_id, count(*), NULL {IN_FORCE} AND NOT EXISTS ("
        "SELECT 1 FROM signal_facts s WHERE s.refusal IS NULL AND s.vlp_id = g.vlp_id "
        "AND s.municipality = g.municipality AND s.received_on < :end "
        f"AND s.received_on >= CAST(:end AS date) - {_POLICY_DAYS}) GROUP BY 1, 2",
        breakdown="VLP",
    ),
)
