"""`vroeg demo`: the whole platform on this machine, a batch of signals, and where each went."""

from __future__ import annotations

import asyncio
import signal as signals
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from vroeg.deploy import infra
from vroeg.deploy.processes import Platform
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import CaseOpened, FirstContactDeadlineSet, SignalRouted
from vroeg.shared.topics import CASE_OPENED, FIRST_CONTACT_DEADLINE_SET, ROUTE_TOPICS

MUNICIPALITY = "0363"
DEMO_DATABASE = "vroeg_demo"


@dataclass(frozen=True)
class DemoSignal:
    """A signal of the demo batch and what it is meant to show."""

    label: str
    body: dict[str, Any]


def signal_body(
    *,
    vlp: tuple[str, str],
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
        "vlpId": vlp[0],
        "vlpType": vlp[1],
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
    }


def demo_signals(today: date, run: str) -> list[DemoSignal]:
    """One signal per route of the demo population (`vroeg.standins.brp.population`)."""
    water, housing = ("waternet", "DRINKWATER"), ("woonstad", "HUUR")
    energy, health = ("vattenfall", "ENERGIE"), ("zilveren-kruis", "ZORGVERZEKERING")

    def body(vlp: tuple[str, str], kind: str, arrears: str, **person: Any) -> dict[str, Any]:
        ref = f"{run}-{vlp[0]}-{person['geslachtsnaam'].lower()}"
        return signal_body(
            vlp=vlp, reference=ref, kind=kind, arrears_type=arrears, today=today, **person
        )

    jansen = {
        "geslachtsnaam": "Jansen",
        "geboortedatum": date(1980, 5, 1),
        "postcode": "1012AB",
        "huisnummer": 1,
    }
    return [
        DemoSignal(
            "water disconnection, resident with a child",
            body(water, "AFSLUITING", "DRINKWATER", **jansen),
        ),
        DemoSignal("rent arrears, same household", body(housing, "VROEGSIGNAAL", "HUUR", **jansen)),
        DemoSignal(
            "energy arrears, debtor deceased",
            body(
                energy,
                "VROEGSIGNAAL",
                "ELEKTRICITEIT",
                geslachtsnaam="Vries",
                voorvoegsel="de",
                geboortedatum=date(1950, 2, 2),
                postcode="1012AB",
                huisnummer=3,
            ),
        ),
        DemoSignal(
            "rent arrears, moved to Rotterdam",
            body(
                housing,
                "VROEGSIGNAAL",
                "HUUR",
                geslachtsnaam="Bakker",
                geboortedatum=date(1975, 7, 7),
                postcode="1012AB",
                huisnummer=8,
            ),
        ),
        DemoSignal(
            "health insurance, debtor is 17",
            body(
                health,
                "VROEGSIGNAAL",
                "ZORGVERZEKERING",
                geslachtsnaam="Smit",
                geboortedatum=date(2009, 3, 3),
                postcode="1012AC",
                huisnummer=5,
            ),
        ),
        DemoSignal(
            "water arrears, emigrated",
            body(
                water,
                "VROEGSIGNAAL",
                "DRINKWATER",
                geslachtsnaam="Visser",
                geboortedatum=date(1990, 11, 11),
                postcode="1012AD",
                huisnummer=7,
            ),
        ),
        DemoSignal(
            "energy arrears, two namesakes",
            body(
                energy,
                "VROEGSIGNAAL",
                "GAS",
                geslachtsnaam="Mulder",
                geboortedatum=date(1985, 4, 4),
                postcode="1012AE",
                huisnummer=9,
            ),
        ),
        DemoSignal(
            "rent arrears, unknown in the BRP",
            body(
                housing,
                "VROEGSIGNAAL",
                "HUUR",
                geslachtsnaam="Onbekend",
                geboortedatum=date(1970, 1, 1),
                postcode="1012AG",
                huisnummer=13,
            ),
        ),
    ]


def run_demo(*, keep: bool) -> None:
    """Start everything, post the demo batch, print where each signal went."""
    print("Starting Kafka and PostgreSQL ...", flush=True)
    endpoints = infra.up()
    # A fresh database each run, so the demo shows the same story every time.
    database = asyncio.run(infra.recreate_database(endpoints.database_url, DEMO_DATABASE))
    log_dir = infra.state_dir() / "logs"
    platform = Platform({**endpoints.env(), "DATABASE_URL": database}, log_dir=log_dir)
    print(f"Starting the BRP stand-in and six services (logs in {log_dir}) ...", flush=True)
    try:
        platform.start()
        asyncio.run(_post_and_report(platform, endpoints.kafka_bootstrap_servers))
        if keep:
            print("\nThe platform keeps running; Ctrl-C stops it.")
            for name, process in platform.processes.items():
                print(f"  {name:<12} {process.url}")
            signals.sigwait({signals.SIGINT, signals.SIGTERM})
    finally:
        platform.stop()


async def _post_and_report(platform: Platform, bootstrap: str) -> None:
    watched = [
        *(t.name for t in ROUTE_TOPICS.values()),
        CASE_OPENED.name,
        FIRST_CONTACT_DEADLINE_SET.name,
    ]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(t, p) for t in watched for p in consumer.partitions_for_topic(t) or ()
        ]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)  # fix the starting point before anything is posted

        batch = demo_signals(date.today(), run=str(int(time.time())))
        ids: dict[str, DemoSignal] = {}
        async with httpx.AsyncClient(base_url=platform["intake"].url) as http:
            for item in batch:
                response = await http.post("/v1/signalen", json=item.body)
                response.raise_for_status()
                ids[response.json()["id"]] = item
        print(f"\nPosted {len(ids)} signals to intake. Following them ...\n")

        routed: dict[str, SignalRouted] = {}
        cases: dict[str, CaseOpened] = {}
        deadlines: dict[str, FirstContactDeadlineSet] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for record in records:
                    event = decode(record.headers, record.value)
                    if isinstance(event, SignalRouted):
                        routed[str(event.signal.signal_id)] = event
                    elif isinstance(event, CaseOpened):
                        for sid in event.signal_ids:
                            cases[str(sid)] = event
                    elif isinstance(event, FirstContactDeadlineSet):
                        deadlines[str(event.case_id)] = event
            with_case = [s for s, e in routed.items() if s in ids and e.route in _CASE_ROUTES]
            if (
                len(set(routed) & set(ids)) == len(ids)
                and all(s in cases or _joined(s, routed, cases) for s in with_case)
                and all(str(c.case_id) in deadlines for c in cases.values())
            ):
                break
    finally:
        await consumer.stop()
    heard = await _feedback(platform, ids, routed)
    _print_report(ids, routed, cases, deadlines, heard)
    async with httpx.AsyncClient(base_url=platform["reporting"].url) as http:
        counts = (await http.get(f"/v1/gemeenten/{MUNICIPALITY}/tellingen")).json()
    print(f"\nreporting, municipality {MUNICIPALITY}: {counts}")


_CASE_ROUTES = {"resident", "deceased", "minor"}
_FEEDBACK_ROUTES = {"deceased", "relocated", "emigrated", "debt-help"}


async def _feedback(
    platform: Platform, ids: dict[str, DemoSignal], routed: dict[str, SignalRouted]
) -> dict[str, list[str]]:
    """What feedback holds for each creditor, waiting briefly for the routes that earn some."""
    expected = {s for s in ids if s in routed and routed[s].route in _FEEDBACK_ROUTES}
    heard: dict[str, list[str]] = {}
    async with httpx.AsyncClient(base_url=platform["feedback"].url) as http:
        deadline = time.monotonic() + 15
        while True:
            for signal_id in ids:
                found = (await http.get(f"/v1/signalen/{signal_id}/terugkoppelingen")).json()
                heard[signal_id] = [f["feedbackType"] for f in found]
            if all(heard[s] for s in expected) or time.monotonic() > deadline:
                return heard
            await asyncio.sleep(0.3)


def _joined(signal_id: str, routed: dict[str, SignalRouted], cases: dict[str, CaseOpened]) -> bool:
    """True when another signal of the same household opened the case this one joined."""
    household = routed[signal_id].household
    return household is not None and any(
        c.household_key == f"aoid:{household.address_key}" for c in cases.values()
    )


def _print_report(
    ids: dict[str, DemoSignal],
    routed: dict[str, SignalRouted],
    cases: dict[str, CaseOpened],
    deadlines: dict[str, FirstContactDeadlineSet],
    heard: dict[str, list[str]],
) -> None:
    print(f"{'signal':<44} {'route':<10} {'creditor hears':<16} outcome")
    print("-" * 130)
    for signal_id, item in ids.items():
        event = routed.get(signal_id)
        if event is None:
            print(f"{item.label:<44} {'?':<10} {'':<16} not routed within 60 s (see the logs)")
            continue
        outcome = "; ".join(event.reasons)
        case = cases.get(signal_id)
        if case is not None:
            due = deadlines.get(str(case.case_id))
            flags = f" [{', '.join(case.flags)}]" if case.flags else ""
            crisis = " CRISIS" if case.crisis else ""
            outcome = f"case {str(case.case_id)[:8]} opened{crisis}{flags}" + (
                f", first contact by {due.due_date} ({due.working_days} working days)"
                if due
                else ""
            )
        elif event.route in _CASE_ROUTES:
            outcome = "joined the household's open case"
        hears = ", ".join(heard.get(signal_id, [])) or "-"
        print(f"{item.label:<44} {event.route.value:<10} {hears:<16} {outcome}")
    sys.stdout.flush()
