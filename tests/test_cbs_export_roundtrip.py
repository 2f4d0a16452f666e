"""The round trip between the CBS (DDAS) export and the monitor (domain §9): a generated month
(bench/realistic.py) goes through intake, brp-check, the matcher, followup, feedback and
reporting — reviewers decide the review queue, case workers register attempts and outcomes,
SHV professionals handle the signals of residents known to debt help — and for each
municipality the matcher's delivery of the month validates against VNG's schema, and every
count a reader can make of it (signals, crises, creditor types, final routes, cases, signals
per case, contact attempts by kind and reached, cases with contact, outcomes by category and
detail, help accepted, referrals, SHV results) equals reporting's indicator for that
municipality and month. Neither side is the test's own arithmetic: each checks the other."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from realistic import Generated, generate

from tests.support import month
from tests.support.db import eventually
from tests.support.ddas import VALIDATOR
from tests.support.ddas_recount import differences, from_indicators, recount
from tests.support.fixtures import PlatformFactory, staff_headers
from tests.support.monitor import get_counts, this_month
from vroeg.deploy.processes import Platform
from vroeg.shared.clock import add_months, dutch_date
from vroeg.shared.events import now_utc
from vroeg.standins.brp.synthetic import build_population

# A whole platform and a month of work: minutes on a loaded machine.
pytestmark = [pytest.mark.infra, pytest.mark.timeout(600)]

TOWNS = ("0363", "0518")
# A seed whose month has every special route (relocated, emigrated, deceased, debt help,
# review), crises and repeats.
PERSONS, SIGNALS, SEED, MONTH = 20_000, 80, 11, date(2026, 11, 1)
REFUSED_EVERY = 19  # every 19th signal is sent with too short arrears (R-IN-1)
USERS = [
    ("analyst-regio", ["analyst"], list(TOWNS)),
    ("werker-regio", ["vroegsignaleerder"], list(TOWNS)),
    ("reviewer-regio", ["reviewer"], list(TOWNS)),
    ("shv-regio", ["shv-professional"], list(TOWNS)),
    ("cbs-regio", ["cbs-export"], list(TOWNS)),
]
SERVICES = [
    "brp-standin",
    "idp-standin",
    "notify-standin",
    "intake",
    "brp-check",
    "matcher",
    "followup",
    "feedback",
    "reporting",
]
# The case workers' plan, by a case's place in the queue: the kinds they try (the first
# reaches the resident unless the case is one never reached), then the outcome they register.
KINDS = ("TELEFOON", "BRIEF", "HUISBEZOEK", "SMS_WHATSAPP", "EMAIL", "KAART", "ANDERS")
REACHED_OUTCOMES = (
    ("WIL_HULP", "VERWIJZING_FINANCIEEL"),
    ("WIL_HULP", "QUICK_FIX"),
    ("WIL_GEEN_HULP", "ZELF_GEREGELD"),
    ("WIL_HULP", "VERWIJZING_NIET_FINANCIEEL"),
    ("NIET_BEREIKT", "GEEN_REACTIE"),
    ("WIL_GEEN_HULP", "GEEN_HULP_NODIG"),
    ("BEKEND_BIJ_SHV", "BEKEND_BIJ_SHV"),
    ("WIL_GEEN_HULP", "ANDER_TRAJECT"),
)
UNREACHED_OUTCOMES = (("NIET_BEREIKT", "GEEN_CONTACT"), ("WIL_HULP", "VERWIJZING_ZONDER_CONTACT"))


@pytest.fixture(scope="module")
def generated() -> Generated:
    # A fixed month, so the mix is the same on every run; its signals are received now.
    population = build_population(PERSONS, seed=SEED, municipalities=",".join(TOWNS))
    return generate(population, month=MONTH, signals=SIGNALS, history_months=0, seed=SEED)


@pytest.fixture
def platform(make_platform: PlatformFactory, tmp_path: Path, generated: Generated) -> Platform:
    return month.start(
        make_platform,
        tmp_path,
        generated,
        persons=PERSONS,
        seed=SEED,
        users=USERS,
        services=SERVICES,
    )


def _period() -> dict[str, str]:
    """This month, as a delivery's period: the month reporting's `periode` names."""
    first = dutch_date(now_utc()).replace(day=1)
    last = add_months(first, 1) - timedelta(days=1)
    return {"startdatum": first.isoformat(), "einddatum": last.isoformat()}


async def _delivery(platform: Platform, town: str) -> dict[str, Any]:
    """The municipality's delivery of this month (a minute's patience on a loaded machine)."""
    async with httpx.AsyncClient(
        base_url=platform["matcher"].url,
        headers=staff_headers(platform, "cbs-regio"),
        timeout=60,
    ) as http:
        response = await http.get(f"/v1/gemeenten/{town}/cbs-levering", params=_period())
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def _levering(document: dict[str, Any]) -> dict[str, Any]:
    [levering] = document["leveringen"]
    return levering


async def _followup_queue(platform: Platform) -> list[dict[str, Any]]:
    """Followup's open cases of the region."""
    async with httpx.AsyncClient(
        base_url=platform["followup"].url,
        headers=staff_headers(platform, "werker-regio"),
        timeout=30,
    ) as http:
        response = await http.get("/v1/meldingen", params={"limit": 1000})
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items


async def _work_cases(platform: Platform, open_cases: int) -> tuple[int, int]:
    """Every open case gets attempts by the plan — the first reaches the resident but in one
    case of four, and in some of those a letter's or card's reply reaches them after all
    (§8.5.3) — and two of three an outcome; then two closed cases are reopened, one of them
    closed again with another outcome (§8.8.2). (Attempts made, cases closed.)"""
    headers = staff_headers(platform, "werker-regio")
    today = dutch_date(now_utc()).isoformat()
    attempts = 0
    closed: list[tuple[str, bool]] = []  # case id, reached
    async with httpx.AsyncClient(
        base_url=platform["followup"].url, headers=headers, timeout=30
    ) as http:

        async def post(path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
            response = await http.post(f"/v1/meldingen/{path}", json=body)
            assert response.status_code == status, response.text
            return response.json() if response.content else {}

        cases = await eventually(
            lambda: _followup_queue(platform), lambda found: len(found) == open_cases, timeout=60
        )
        assert len(cases) == open_cases
        for index, case in enumerate(sorted(cases, key=lambda c: c["id"])):
            case_id, reached = case["id"], False
            for n in range(1 + index % 3):
                kind = KINDS[(index + n) % len(KINDS)]
                hit = n == 0 and index % 4 != 3
                made = await post(
                    f"{case_id}/contactpogingen",
                    {
                        "kind": kind,
                        "attemptedOn": today,
                        "partOfDay": ("OCHTEND", "MIDDAG", "AVOND")[n % 3],
                        "result": "BEREIKT" if hit else "NIET_BEREIKT",
                    },
                )
                attempts += 1
                if not hit and kind in ("BRIEF", "KAART") and index % 2:
                    response = await http.patch(
                        f"/v1/meldingen/{case_id}/contactpogingen/{made['id']}",
                        json={"repliedOn": today},
                    )
                    assert response.status_code == 200, response.text
                    hit = True
                reached |= hit
            if index % 3 == 2:
                continue  # left open
            choices = REACHED_OUTCOMES if reached else UNREACHED_OUTCOMES
            category, detail = choices[index % len(choices)]
            if "OVERLEDEN" in case["flags"]:  # R-BRP-2: the weighing, before it closes
                text = "Huishouden gesproken; geen hulp aan erven nodig."
                await post(f"{case_id}/notities", {"text": text})
            await post(f"{case_id}/uitkomst", {"category": category, "detail": detail})
            closed.append((case_id, reached))
        for n, (case_id, reached) in enumerate(closed[:2]):
            await post(f"{case_id}/heropening", {"reason": "Inwoner belde terug."}, 204)
            if n == 0:
                category, detail = (
                    ("WIL_HULP", "VERWIJZING_NIET_FINANCIEEL")
                    if reached
                    else ("NIET_BEREIKT", "GEEN_CONTACT")
                )
                await post(f"{case_id}/uitkomst", {"category": category, "detail": detail})
    reopened, closed_again = len(closed[:2]), len(closed[:1])
    return attempts, len(closed) - reopened + closed_again


async def _handle_debt_help(platform: Platform, waiting: int) -> int:
    """The SHV professional handles all but one of the queue: known to debt help while the
    resident receives it (R-BRP-4 a), else referred on after contact; how many handled."""
    headers = staff_headers(platform, "shv-regio")
    async with httpx.AsyncClient(
        base_url=platform["followup"].url, headers=headers, timeout=30
    ) as http:

        async def queue() -> list[dict[str, Any]]:
            response = await http.get("/v1/shv")
            response.raise_for_status()
            items: list[dict[str, Any]] = response.json()["items"]
            return items

        items = await eventually(queue, lambda found: len(found) == waiting, timeout=60)
        assert len(items) == waiting
        for item in sorted(items, key=lambda i: i["signalId"])[1:]:
            handling: dict[str, Any] = (
                {"category": "BEKEND_BIJ_SHV"}
                if item["debtHelp"] == "ACTIVE"
                else {"category": "WIL_HULP", "detail": "VERWIJZING_FINANCIEEL", "reached": True}
            )
            response = await http.post(
                f"/v1/shv/{item['signalId']}/afhandeling",
                json={"actionTaken": "Schuldhulpverlener gebeld.", **handling},
            )
            assert response.status_code == 201, response.text
    return max(waiting - 1, 0)


def _refused(index: int, body: dict[str, Any]) -> bool:
    """Sent with too short arrears: a windowed kind (R-IN-1), now and then."""
    return body["kind"] in ("VROEGSIGNAAL", "EINDELEVERING") and index % REFUSED_EVERY == 0


async def test_counts_recomputed_from_the_export_equal_the_indicators(
    platform: Platform, generated: Generated
) -> None:
    delivered = await month.deliver(platform, generated, refuse=_refused)
    await month.decide_reviews(platform, "reviewer-regio", delivered)

    # Every signal intake took up or refused reaches the matcher (CAK's never); then followup
    # holds the open cases.
    async def deliveries() -> dict[str, dict[str, Any]]:
        return {town: _levering(await _delivery(platform, town)) for town in TOWNS}

    sent = {t: delivered.count(t) + delivered.count(t, refused=True) for t in TOWNS}

    def still_open(found: dict[str, dict[str, Any]]) -> int:
        return sum(
            "matchingsdatum" in z and "resultaat" not in z
            for t in TOWNS
            for z in found[t]["vroegsignaalzaken"]
        )

    async def both() -> tuple[dict[str, dict[str, Any]], int]:
        return await deliveries(), len(await _followup_queue(platform))

    # A deceased resident's case closes in followup, and its result reaches the matcher some
    # events later: wait until the matcher's open cases are followup's.
    before, queued = await eventually(
        both,
        lambda found: (
            {t: len(found[0][t]["vroegsignalen"]) for t in TOWNS} == sent
            and still_open(found[0]) == found[1]
        ),
        timeout=120,
    )
    assert {t: len(before[t]["vroegsignalen"]) for t in TOWNS} == sent
    assert delivered.refused
    open_cases = still_open(before)
    assert open_cases == queued
    debt_help = sum(
        "matchingsdatum" not in z for t in TOWNS for z in before[t]["vroegsignaalzaken"]
    )
    closed_by_itself = sum("resultaat" in z for t in TOWNS for z in before[t]["vroegsignaalzaken"])
    attempts, outcomes = await _work_cases(platform, open_cases)
    handled = await _handle_debt_help(platform, debt_help)

    # The matcher has every attempt and result followup announced; reporting then counts
    # what the delivery holds.
    def settled(found: dict[str, dict[str, Any]]) -> bool:
        zaken = [z for t in TOWNS for z in found[t]["vroegsignaalzaken"]]
        return (
            sum(len(z["contactpogingen"]) for z in zaken) >= attempts
            and sum("resultaat" in z for z in zaken) == closed_by_itself + outcomes + handled
        )

    after = await eventually(deliveries, settled, timeout=120)
    assert settled(after)
    analyst = staff_headers(platform, "analyst-regio")

    async def compared() -> dict[str, dict[Any, Any]]:
        counts = await get_counts(platform["reporting"].url, analyst, this_month())
        documents = {town: await _delivery(platform, town) for town in TOWNS}
        for document in documents.values():
            VALIDATOR.validate(document)
        return {
            town: differences(recount(_levering(documents[town])), from_indicators(counts, town))
            for town in TOWNS
        }

    wrong = await eventually(compared, lambda found: not any(found.values()), timeout=120)
    assert not any(wrong.values()), "\n".join(
        f"{town} {key}: export {mine}, reporting {theirs}"
        for town, found in wrong.items()
        for key, (mine, theirs) in found.items()
    )

    # The round trip compared counts of every kind: signals, routes, cases, attempts, results.
    counted = {
        name for town in TOWNS for name, _ in recount(_levering(await _delivery(platform, town)))
    }
    assert {"niet_opgepakt", "eindroute", "meldingen", "contactpogingen", "uitkomst"} <= counted
    assert attempts
    assert outcomes
    assert handled
