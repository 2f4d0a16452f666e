"""Creditors: what they deliver and what intake did not take up (guideline Bijlage 1, §2.3,
§8.3.1)."""

from __future__ import annotations

from vroeg.reporting.indicators.base import SIGNALS, Indicator, count

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
)
