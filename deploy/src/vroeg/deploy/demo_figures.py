"""The demo's figures: a few of the Monitor's indicators as reporting serves them to an analyst,
and how many records the CBS export of the month holds."""

from __future__ import annotations

from datetime import date
from typing import Any

from vroeg.deploy.demo_batch import MUNICIPALITY
from vroeg.deploy.demo_staff import ANALYST, CBS_EXPORTER, answer, as_staff, eventually, ok
from vroeg.deploy.processes import Platform

# The funnel the Monitor page draws (signals → cases → contact → acceptance), and beside it
# what the demo's story shows of the rest.
KEY_INDICATORS = (
    "signalen",
    "crisissignalen",
    "meldingen",
    "meldingen_met_contact",
    "hulpacceptatie",
    "bekend_bij_shv",
    "doorgestuurd",
    "niet_opgepakt",
)


async def monitor(platform: Platform, period: str, *, accepted: int) -> None:
    """A few indicators of `period` for the municipality, once reporting has counted the
    `accepted` help of the case worker (its facts arrive through Kafka)."""
    params = {"periode": period, "gemeente": MUNICIPALITY}
    async with await as_staff(platform, "reporting", ANALYST) as http:
        labels = {i["naam"]: i["label"] for i in ok(await http.get("/indicatoren"))}
        body = await eventually(
            lambda: answer(http.get("/indicatorwaarden", params=params)),
            lambda b: _teller(b, "hulpacceptatie") >= accepted,
        )
    print(
        f"\nMonitor (reporting's /v1/indicatorwaarden, signed in as {ANALYST}), "
        f"{MUNICIPALITY}, {period}:"
    )
    for name in KEY_INDICATORS:
        for value in body["waarden"]:
            if value["indicator"] != name or value["gemeente"] != MUNICIPALITY:
                continue
            key = f" [{value['uitsplitsing']}]" if value["uitsplitsing"] else ""
            print(f"  {labels[name] + key:<72} {_figure(value)}")


async def cbs_export(platform: Platform, start: date, end: date) -> None:
    """The DDAS delivery of the period: how many signals and cases it holds."""
    params = {"startdatum": start.isoformat(), "einddatum": end.isoformat()}
    async with await as_staff(platform, "matcher", CBS_EXPORTER.username) as http:
        document = ok(await http.get(f"/gemeenten/{MUNICIPALITY}/cbs-levering", params=params))
    [delivery] = document["leveringen"]
    print(
        f"\nCBS export (matcher's /v1/gemeenten/{MUNICIPALITY}/cbs-levering, DDAS "
        f"Uitwisselmodel v0.9, signed in as {CBS_EXPORTER.username}, API only), "
        f"{start} to {end}: {len(delivery['vroegsignalen'])} signals, "
        f"{len(delivery['vroegsignaalzaken'])} cases; the export is audited"
    )


def _teller(body: dict[str, Any], name: str) -> float:
    return sum(
        float(v["teller"])
        for v in body["waarden"]
        if v["indicator"] == name and v["gemeente"] == MUNICIPALITY
    )


def _figure(value: dict[str, Any]) -> str:
    """A count as it is; a share as numerator of denominator."""
    if value["noemer"] is None:
        return f"{float(value['teller']):g}"
    return f"{float(value['teller']):g} of {float(value['noemer']):g}"
