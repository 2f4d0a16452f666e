"""The demo's batch: one signal per route of the stand-in BRP's population, from four creditors;
the second municipality it serves, and the resident its debt-help register knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

MUNICIPALITY = "0363"
# The BRP stand-in registers the debtor who "moved to Rotterdam" there: the demo serves 0599
# too, as a regional centre would, so the signal is forwarded to another tenant (Awb 2:3).
SECOND_TENANT = "0599"
# The BRP stand-in's Jan Smit (the minor Lisa's father), in 0363's debt-help register with a
# running product (R-BRP-4a): his signal goes to the SHV professional's queue.
DEBT_HELP_BSN = "999990068"


@dataclass(frozen=True)
class DemoSignal:
    """A signal of the demo batch, the creditor that sends it, and what it is meant to show."""

    label: str
    vlp: tuple[str, str]
    body: dict[str, Any]


ALL_ATTESTED = {
    "writtenReminder": True,
    "personalContactAttempt": True,
    "debtHelpReferral": True,
    "dataSharingOffer": True,
}


def signal_body(
    *,
    reference: str,
    kind: str,
    arrears_type: str,
    geslachtsnaam: str,
    geboortedatum: date | None,
    postcode: str,
    huisnummer: int,
    today: date,
    voorvoegsel: str | None = None,
) -> dict[str, Any]:
    """A delivery as a creditor would post it to `POST /v1/signalen`."""
    debtor: dict[str, Any] = {"geslachtsnaam": geslachtsnaam}
    if geboortedatum:
        debtor["geboortedatum"] = geboortedatum.isoformat()
    if voorvoegsel:
        debtor["voorvoegsel"] = voorvoegsel
    return {
        "vlpReference": reference,
        "municipality": MUNICIPALITY,
        "kind": kind,
        "arrearsType": arrears_type,
        "signalDate": today.isoformat(),
        "debtor": debtor,
        "address": {"postcode": postcode, "huisnummer": huisnummer, "woonplaats": "Amsterdam"},
        "phone": "0612345678",
        "amount": "312.50",
        "oldestDueDate": (today - timedelta(days=62)).isoformat(),
        "unpaidInstallments": 2,
        "socialCollection": ALL_ATTESTED,
    }


WATER, HOUSING = ("waternet", "DRINKWATER"), ("woonstad", "HUUR")
ENERGY, HEALTH = ("vattenfall", "ENERGIE"), ("zilveren-kruis", "ZORGVERZEKERING")
CREDITORS = (WATER, HOUSING, ENERGY, HEALTH)

# label, creditor, kind, arrears type, debtor (name, prefix, birth date, postcode, number)
_BATCH: list[tuple[str, tuple[str, str], str, str, tuple[str, str | None, date, str, int]]] = [
    (
        "water disconnection, resident with a child",
        WATER,
        "AFSLUITING",
        "DRINKWATER",
        ("Jansen", None, date(1980, 5, 1), "1012AB", 1),
    ),
    (
        "rent arrears, same household",
        HOUSING,
        "VROEGSIGNAAL",
        "HUUR",
        ("Jansen", None, date(1980, 5, 1), "1012AB", 1),
    ),
    (
        "energy arrears, debtor deceased",
        ENERGY,
        "VROEGSIGNAAL",
        "ELEKTRICITEIT",
        ("Vries", "de", date(1950, 2, 2), "1012AB", 3),
    ),
    (
        "rent arrears, moved to Rotterdam",
        HOUSING,
        "VROEGSIGNAAL",
        "HUUR",
        ("Bakker", None, date(1975, 7, 7), "1012AB", 8),
    ),
    (
        "health insurance, debtor is 17",
        HEALTH,
        "VROEGSIGNAAL",
        "ZORGVERZEKERING",
        ("Smit", None, date(2009, 3, 3), "1012AC", 5),
    ),
    (
        "water arrears, emigrated",
        WATER,
        "VROEGSIGNAAL",
        "DRINKWATER",
        ("Visser", None, date(1990, 11, 11), "1012AD", 7),
    ),
    (
        "gas arrears, two namesakes",
        ENERGY,
        "VROEGSIGNAAL",
        "GAS",
        ("Mulder", None, date(1985, 4, 4), "1012AE", 9),
    ),
    (
        "gas arrears, known to debt help",
        ENERGY,
        "VROEGSIGNAAL",
        "GAS",
        ("Smit", None, date(1982, 1, 9), "1012AC", 5),
    ),
    (
        "rent arrears, unknown in the BRP",
        HOUSING,
        "VROEGSIGNAAL",
        "HUUR",
        ("Onbekend", None, date(1970, 1, 1), "1012AG", 13),
    ),
]


def demo_signals(today: date, run: str) -> list[DemoSignal]:
    """One signal per route of the demo population, a repeat, and two that intake refuses."""
    batch = [
        DemoSignal(
            label,
            vlp,
            signal_body(
                reference=f"{run}-{vlp[0]}-{name.lower()}",
                kind=kind,
                arrears_type=arrears,
                today=today,
                geslachtsnaam=name,
                voorvoegsel=prefix,
                geboortedatum=born,
                postcode=postcode,
                huisnummer=number,
            ),
        )
        for label, vlp, kind, arrears, (name, prefix, born, postcode, number) in _BATCH
    ]
    # R-IN-5: the same creditor and arrears type again while the household's case is open.
    again = signal_body(
        reference=f"{run}-woonstad-jansen-again",
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        today=today,
        geslachtsnaam="Jansen",
        geboortedatum=date(1980, 5, 1),
        postcode="1012AB",
        huisnummer=1,
    )
    too_early = signal_body(
        reference=f"{run}-too-early",
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        today=today,
        geslachtsnaam="Dekker",
        geboortedatum=date(1988, 8, 8),
        postcode="1012AH",
        huisnummer=2,
    )
    too_early["oldestDueDate"] = (today - timedelta(days=20)).isoformat()
    company = signal_body(
        reference=f"{run}-company",
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        today=today,
        geslachtsnaam="Holding",
        geboortedatum=None,
        postcode="1012AJ",
        huisnummer=4,
    )
    del company["debtor"]
    company["businessName"] = "Jansen Vastgoed B.V."
    return [
        *batch,
        DemoSignal("rent arrears again, same household", HOUSING, again),
        DemoSignal("rent arrears of 20 days", HOUSING, too_early),
        DemoSignal("rent arrears of a B.V.", HOUSING, company),
    ]
