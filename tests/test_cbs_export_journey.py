"""The CBS (DDAS) export on the whole platform (domain §9): signals posted to intake, checked
against the BRP stand-in, matched, followed up through followup's API — and the matcher's
delivery, validated against VNG's official schema, tells what each service did: the BSN the
BRP check found, the route's status, the attempts and the outcome followup registered."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from tests.support.db import eventually
from tests.support.ddas import VALIDATOR
from tests.support.fixtures import Isolation, creditor_key, isolated, platform_for, staff_headers
from tests.support.kafka import read_events
from vroeg.deploy import infra
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import Platform
from vroeg.shared.clock import dutch_date
from vroeg.shared.events import CaseOpened, ContactAttempted, Route, SignalRouted
from vroeg.shared.topics import CASE_OPENED, CONTACT_ATTEMPTED, ROUTE_TOPICS

# A loaded machine answers slower than httpx's default 5 s; a slow answer is not a failure here.
_TIMEOUT = 60.0
ACCOUNTS = {
    "cbs-0363": (["cbs-export"], ["0363"]),
    "vroegsignaleerder-0363": (["vroegsignaleerder"], ["0363"]),
}


def _batch(today: date) -> dict[str, dict[str, Any]]:
    """Persons of the BRP stand-in's demo population: a resident, a deceased debtor who lived
    alone, and one who moved away."""

    def body(name: str, **kw: Any) -> dict[str, Any]:
        return signal_body(
            reference=f"cbs-journey-{name}",
            kind="VROEGSIGNAAL",
            arrears_type="HUUR",
            today=today,
            geslachtsnaam=name,
            **kw,
        )

    return {
        "resident": body("Jansen", geboortedatum=date(1980, 5, 1), postcode="1012AB", huisnummer=1),
        "deceased": body(
            "Vries",
            voorvoegsel="de",
            geboortedatum=date(1950, 2, 2),
            postcode="1012AB",
            huisnummer=3,
        ),
        "relocated": body(
            "Bakker", geboortedatum=date(1975, 7, 7), postcode="1012AB", huisnummer=8
        ),
    }


@pytest.fixture(scope="module")
def platform(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Isolation, Platform]]:
    directory = tmp_path_factory.mktemp("cbs-journey")
    users = [
        {"username": u, "password": u, "name": u, "roles": r, "gemeenten": g}
        for u, (r, g) in ACCOUNTS.items()
    ]
    (directory / "users.json").write_text(json.dumps(users))
    with isolated(endpoints) as iso:
        started = platform_for(iso, directory)
        started["idp-standin"].env["VROEG_IDP_USERS"] = str(directory / "users.json")
        try:
            started.start(
                [
                    "brp-standin",
                    "idp-standin",
                    "notify-standin",
                    "intake",
                    "brp-check",
                    "matcher",
                    "followup",
                ]
            )
            yield iso, started
        finally:
            started.stop()


async def test_the_export_tells_what_every_service_did_with_the_signals(
    platform: tuple[Isolation, Platform],
) -> None:
    iso, services = platform
    key = await creditor_key(services["intake"].url)
    # The services' today is the Dutch one: between 23:00 and midnight UTC it is already
    # tomorrow. Read when the signals are sent, not when the module was loaded.
    today = dutch_date(datetime.now(UTC))
    batch = _batch(today)
    ids = {}
    for name, body in batch.items():
        posted = httpx.post(
            f"{services['intake'].url}/v1/signalen",
            json=body,
            headers={"X-Api-Key": key},
            timeout=_TIMEOUT,
        )
        assert posted.status_code == 201, posted.text
        ids[name] = posted.json()["id"]
    opened = await read_events(iso.kafka, iso.topic(CASE_OPENED.name), expect=2)
    [case] = [
        e.case_id
        for e in opened
        if isinstance(e, CaseOpened) and str(e.state.signals[0].signal_id) == ids["resident"]
    ]

    # A case worker calls and reaches the resident, who is referred to debt help.
    worker = staff_headers(services, "vroegsignaleerder-0363")
    followup = f"{services['followup'].url}/v1/meldingen/{case}"
    await eventually(
        lambda: asyncio.to_thread(
            httpx.get, f"{followup}/opvolging", headers=worker, timeout=_TIMEOUT
        ),
        lambda r: r.status_code == 200,
    )
    attempt = {
        "kind": "TELEFOON",
        "attemptedOn": today.isoformat(),
        "partOfDay": "MIDDAG",
        "result": "BEREIKT",
    }
    called = httpx.post(
        f"{followup}/contactpogingen", json=attempt, headers=worker, timeout=_TIMEOUT
    )
    assert called.status_code == 201, called.text
    outcome = {"category": "WIL_HULP", "detail": "VERWIJZING_FINANCIEEL"}
    closed = httpx.post(f"{followup}/uitkomst", json=outcome, headers=worker, timeout=_TIMEOUT)
    assert closed.status_code == 201, closed.text

    exporter = staff_headers(services, "cbs-0363")
    period = {"startdatum": today.replace(day=1).isoformat(), "einddatum": today.isoformat()}
    url = f"{services['matcher'].url}/v1/gemeenten/0363/cbs-levering"

    def done(response: httpx.Response) -> bool:
        levering = response.json()["leveringen"][0]
        # The outcome, the first contact and the attempts reach the matcher on three topics,
        # in any order: wait for all three of the resident's case.
        resident = [
            z
            for z in levering["vroegsignaalzaken"]
            if z["vroegsignalen"][0]["ID"] == ids["resident"]
        ]
        return (
            len(levering["vroegsignalen"]) == 3
            and all("resultaat" in z for z in levering["vroegsignaalzaken"])
            and any(
                "datum_opgepakt" in z
                and any(p["soort"] == "Telefoon" for p in z.get("contactpogingen", []))
                for z in resident
            )
        )

    response = await eventually(
        lambda: asyncio.to_thread(
            httpx.get, url, params=period, headers=exporter, timeout=_TIMEOUT
        ),
        done,
    )
    document = response.json()
    VALIDATOR.validate(document)
    [levering] = document["leveringen"]
    signals = {s["ID"]: s for s in levering["vroegsignalen"]}
    assert set(signals) == set(ids.values())
    assert "status" not in signals[ids["resident"]]  # picked up: its case tells
    assert signals[ids["deceased"]]["status"] == "Inwoner is overleden"
    assert signals[ids["relocated"]]["status"] == "Persoon is geen inwoner (meer) in de gemeente"
    # The BSN is the one the BRP check found for each.
    found = {
        str(e.signal.signal_id): e.bsn
        for route in (Route.RESIDENT, Route.DECEASED, Route.RELOCATED)
        for e in await read_events(iso.kafka, iso.topic(ROUTE_TOPICS[route].name), expect=1)
        if isinstance(e, SignalRouted)
    }
    for name, signal_id in ids.items():
        client = signals[signal_id]["client"]
        assert client["Burgerservicenummer"] == found[signal_id], name
        assert client["Achternaam"] == batch[name]["debtor"]["geslachtsnaam"]
        assert client["Postcode"] == "1012AB"
    zaken = {z["vroegsignalen"][0]["ID"]: z for z in levering["vroegsignaalzaken"]}
    resident = zaken[ids["resident"]]
    assert resident["resultaat"] == "Vervolghulp en/of verwijzing financieel"
    assert resident["datum_opgepakt"] == today.isoformat()
    # Every attempt followup announced for the case, automatic letters included.
    announced = [
        e
        for e in await read_events(iso.kafka, iso.topic(CONTACT_ATTEMPTED.name), expect=1)
        if isinstance(e, ContactAttempted) and e.case_id == case
    ]
    assert len(resident["contactpogingen"]) == len(announced)
    assert {
        "soort": "Telefoon",
        "bereikt": True,
        "datum": today.isoformat(),
        "dagdeel": "Middag",
    } in (resident["contactpogingen"])
    assert zaken[ids["deceased"]]["resultaat"] == "Inwoner is overleden"
    assert ids["relocated"] not in zaken
