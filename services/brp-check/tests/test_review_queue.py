"""The review queue (uitval, R-BRP-5) through its HTTP API, with tokens of the identity-provider
stand-in: list, open, decide, audit, municipality scope, and the route each decision gives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_topic
from tests.support.metrics import scrape
from tests.support.signals import jansen_signal
from vroeg.deploy.processes import Platform
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import (
    Address,
    ArrearsType,
    Person,
    Route,
    SignalKind,
    SignalReceived,
    SignalRouted,
    VlpType,
)
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED

PASSWORD = "geheim-wachtwoord"
USERS = [
    ("reviewer-0363", ["reviewer"], ["0363"]),
    ("reviewer-0518", ["reviewer"], ["0518"]),
    ("analyst-0363", ["analyst"], ["0363"]),
]
EVA_MULDER, ELINE_MULDER, PIET_JANSEN = "999990083", "999990095", "999990019"


def received(municipality: str, debtor: Person, address: Address) -> SignalReceived:
    signal = jansen_signal().model_copy(update={"debtor": debtor, "address": address})
    return SignalReceived(municipality=municipality, occurred_at=datetime.now(UTC), signal=signal)


# Two Mulders share a birth date (2 candidates); nobody is named Onbekend (no match).
AMBIGUOUS = Person(geslachtsnaam="Mulder", geboortedatum=date(1985, 4, 4))
UNKNOWN_AT_JANSENS = Person(geslachtsnaam="Onbekend", geboortedatum=date(1990, 1, 1))
JANSENS = Address(postcode="1012AB", huisnummer=1)


def _said(queue: httpx.Response) -> str:
    """What a page of the queue says beyond its ids and times — each checked for its form and
    left out, for their digits spell a postcode's four by chance."""
    page = queue.json()
    for item in page["items"]:
        UUID(item.pop("signalId"))
        datetime.fromisoformat(item.pop("queuedAt"))
        datetime.fromisoformat(item.pop("receivedAt"))
        due = item.pop("firstContactDue")
        assert due is None or date.fromisoformat(due)
    return json.dumps(page)


def start(platform: Platform, tmp_path: Path) -> None:
    users = [
        {"username": u, "password": PASSWORD, "name": u.title(), "roles": r, "gemeenten": g}
        for u, r, g in USERS
    ]
    (tmp_path / "users.json").write_text(json.dumps(users))
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(tmp_path / "users.json")
    platform.start(["brp-standin", "idp-standin", "brp-check", "feedback"])


async def token(platform: Platform, username: str) -> str:
    async with httpx.AsyncClient(base_url=platform["idp-standin"].url) as idp:
        response = await idp.post(
            "/token", data={"grant_type": "password", "username": username, "password": PASSWORD}
        )
    assert response.status_code == 200, response.text
    access_token: str = response.json()["access_token"]
    return access_token


async def as_staff(platform: Platform, username: str) -> httpx.AsyncClient:
    bearer = await token(platform, username)
    return httpx.AsyncClient(
        base_url=f"{platform['brp-check'].url}/v1",
        headers={"Authorization": f"Bearer {bearer}"},
        timeout=30,
    )


async def send(iso: Isolation, events: Sequence[SignalReceived]) -> None:
    await publish(iso.kafka, iso.topic(SIGNAL_RECEIVED.name), events)


async def routed(iso: Isolation, route: Route, expect: int) -> list[SignalRouted]:
    records = await read_topic(
        iso.kafka, iso.topic(ROUTE_TOPICS[route].name), expect=expect, settle=1.0
    )
    events = [decode(r.headers, r.value) for r in records]
    assert all(isinstance(e, SignalRouted) for e in events)
    return events  # type: ignore[return-value]


async def queued(iso: Isolation, n: int) -> None:
    count = "SELECT count(*) AS n FROM brp_check.reviews"
    assert (await eventually(lambda: fetch(iso.database_url, count), lambda r: r[0]["n"] >= n))[0][
        "n"
    ] == n


async def test_reviewers_list_open_and_decide_and_each_signal_goes_on_its_route(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = make_platform()
    start(platform, tmp_path)
    ambiguous = received("0363", AMBIGUOUS, Address(postcode="1012AE", huisnummer=9))
    unknown = received("0363", UNKNOWN_AT_JANSENS, JANSENS)
    company = received("0363", Person(geslachtsnaam="Bouwbedrijf"), JANSENS)
    elsewhere = received("0518", UNKNOWN_AT_JANSENS, JANSENS)
    for event in (ambiguous, unknown, company, elsewhere):  # one by one: a known queue order
        await send(isolation, [event])
        await queued(isolation, [ambiguous, unknown, company, elsewhere].index(event) + 1)
    ids = [str(e.signal.signal_id) for e in (ambiguous, unknown, company)]

    reviewer = await as_staff(platform, "reviewer-0363")
    other = await as_staff(platform, "reviewer-0518")
    analyst = await as_staff(platform, "analyst-0363")

    # The queue: the reviewer's own municipality only, oldest first, no personal data.
    queue = await reviewer.get("/uitval")
    assert queue.status_code == 200, queue.text
    assert queue.json()["total"] == 3
    assert [i["signalId"] for i in queue.json()["items"]] == ids
    assert "Mulder" not in queue.text
    assert "1012" not in _said(queue)
    assert [i["signalId"] for i in (await other.get("/uitval")).json()["items"]] == [
        str(elsewhere.signal.signal_id)
    ]
    assert (await other.get("/uitval", params={"gemeente": "0363"})).status_code == 403
    assert (await analyst.get("/uitval")).status_code == 403

    # Opening: the signal's data and the BRP's candidates; another municipality's item is
    # "not found" and the read is not logged.
    assert (await other.get(f"/uitval/{ids[0]}")).status_code == 404
    opened = await reviewer.get(f"/uitval/{ids[0]}")
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["signal"]["debtor"]["geslachtsnaam"] == "Mulder"
    assert {c["bsn"]: c["foundBy"] for c in body["candidates"]} == {
        EVA_MULDER: ["search", "address"],
        ELINE_MULDER: ["search"],
    }
    eva = next(c for c in body["candidates"] if c["bsn"] == EVA_MULDER)
    assert eva["registeredIn"] == {"code": "0363", "name": "Amsterdam"}
    assert eva["address"]["postcode"] == "1012AE"
    assert body["decision"] is None
    audit = await fetch(isolation.database_url, "SELECT * FROM brp_check.audit_log ORDER BY id")
    assert [(a["actor"], a["action"], str(a["signal_id"])) for a in audit] == [
        ("reviewer-0363", "review.opened", ids[0])
    ]

    # Bad decisions change nothing: a person not among the candidates, a bsn with another
    # choice, no explanation.
    not_offered = {"choice": "candidate", "bsn": PIET_JANSEN, "explanation": "x"}
    assert (await reviewer.post(f"/uitval/{ids[0]}/besluit", json=not_offered)).status_code == 422
    for bad in (
        {"choice": "signal-data", "bsn": EVA_MULDER, "explanation": "x"},
        {"choice": "legal-person", "explanation": ""},
        {"choice": "candidate", "explanation": "no bsn"},
    ):
        refused = await reviewer.post(f"/uitval/{ids[0]}/besluit", json=bad)
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert (
        await other.post(f"/uitval/{ids[0]}/besluit", json={**not_offered, "bsn": EVA_MULDER})
    ).status_code == 404

    # Two reviewers' clicks at once: one decision, one event, one conflict.
    pick_eva = {"choice": "candidate", "bsn": EVA_MULDER, "explanation": "Zelfde adres."}
    first, second = await asyncio.gather(
        reviewer.post(f"/uitval/{ids[0]}/besluit", json=pick_eva),
        reviewer.post(f"/uitval/{ids[0]}/besluit", json=pick_eva),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 409], (first, second)
    decided = first if first.status_code == 200 else second
    assert decided.json()["route"] == "resident"
    assert decided.json()["decidedBy"] == "reviewer-0363"

    # The signal's own data: routed as a resident of the signal's address, with its household.
    own_data = {"choice": "signal-data", "explanation": "Nieuwe bewoner, nog niet in de BRP."}
    assert (await reviewer.post(f"/uitval/{ids[1]}/besluit", json=own_data)).status_code == 200
    legal = {"choice": "legal-person", "explanation": "Bouwbedrijf is een B.V."}
    assert (await reviewer.post(f"/uitval/{ids[2]}/besluit", json=legal)).status_code == 200

    residents = {str(e.signal.signal_id): e for e in await routed(isolation, Route.RESIDENT, 2)}
    assert set(residents) == {ids[0], ids[1]}
    assert residents[ids[0]].reasons[0] == "R-BRP-5: reviewer chose a BRP candidate"
    assert residents[ids[0]].household is not None
    assert residents[ids[0]].household.address_key == "0363010000000009"
    assert residents[ids[1]].reasons[0] == "R-BRP-5: reviewer confirmed the signal's own data"
    assert residents[ids[1]].household is not None
    assert residents[ids[1]].household.model_dump() == {
        "address_key": "0363010000000001",
        "size": 2,
        "minors_present": True,
    }
    assert [str(e.signal.signal_id) for e in await routed(isolation, Route.LEGAL_PERSON, 1)] == [
        ids[2]
    ]
    feedback_query = "SELECT feedback_type, reason FROM feedback.feedback WHERE signal_id = $1"
    feedback = await eventually(
        lambda: fetch(isolation.database_url, feedback_query, company.signal.signal_id), bool
    )
    assert [tuple(f) for f in feedback] == [("NIET_OPGEPAKT", "RECHTSPERSOON")]

    # Afterwards: an empty queue; the item shows who decided what and why, and no longer holds
    # the personal data; the audit log has every read and decision; the check has its route.
    assert (await reviewer.get("/uitval")).json() == {"total": 0, "items": []}
    after = (await reviewer.get(f"/uitval/{ids[0]}")).json()
    assert after["signal"] is None
    assert after["candidates"] == []
    assert {k: after["decision"][k] for k in ("choice", "bsn", "explanation", "decidedBy")} == {
        "choice": "candidate",
        "bsn": EVA_MULDER,
        "explanation": "Zelfde adres.",
        "decidedBy": "reviewer-0363",
    }
    stored = await fetch(
        isolation.database_url,
        "SELECT signal, candidate_bsns FROM brp_check.reviews WHERE decided_at IS NOT NULL",
    )
    assert len(stored) == 3
    assert all(r["signal"] is None for r in stored)
    decisions = await fetch(
        isolation.database_url,
        "SELECT actor, details FROM brp_check.audit_log WHERE action = 'review.decided'",
    )
    assert sorted(json.loads(d["details"])["route"] for d in decisions) == [
        "legal-person",
        "resident",
        "resident",
    ]
    checks = await fetch(
        isolation.database_url,
        "SELECT route FROM brp_check.checks WHERE signal_id = $1",
        ambiguous.signal.signal_id,
    )
    assert checks[0]["route"] == "resident"
    for client in (reviewer, other, analyst):
        await client.aclose()


async def test_staff_without_a_valid_token_are_refused(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = make_platform()
    start(platform, tmp_path)
    url = f"{platform['brp-check'].url}/v1/uitval"
    async with httpx.AsyncClient() as http:
        missing = await http.get(url)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert missing.headers["content-type"] == "application/problem+json"
        # Right claims, signed by a key the identity provider never published.
        claims: dict[str, Any] = {
            "iss": platform["idp-standin"].url,
            "aud": "vroeg",
            "sub": "intruder",
            "roles": ["reviewer"],
            "gemeenten": ["0363"],
            "iat": datetime.now(UTC),
            "exp": datetime.now(UTC) + timedelta(hours=1),
        }
        forged = jwt.encode(
            claims,
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
            algorithm="RS256",
            headers={"kid": uuid4().hex, "typ": "at+jwt"},  # an access token in all but key
        )
        for bad in (forged, "not-a-token"):
            refused = await http.get(url, headers={"Authorization": f"Bearer {bad}"})
            assert refused.status_code == 401, refused.text
        # A real token of the provider works; once the provider is gone, keys already fetched
        # still verify.
        valid = {"Authorization": f"Bearer {await token(platform, 'reviewer-0363')}"}
        assert (await http.get(url, headers=valid)).status_code == 200
        platform["idp-standin"].stop()
        assert (await http.get(url, headers=valid)).status_code == 200


async def test_a_decision_while_the_brp_is_down_changes_nothing(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = make_platform()
    start(platform, tmp_path)
    ambiguous = received("0363", AMBIGUOUS, Address(postcode="1012AE", huisnummer=9))
    await send(isolation, [ambiguous])
    await queued(isolation, 1)
    reviewer = await as_staff(platform, "reviewer-0363")
    item = f"/uitval/{ambiguous.signal.signal_id}"
    pick_eva = {"choice": "candidate", "bsn": EVA_MULDER, "explanation": "Zelfde adres."}

    platform["brp-standin"].kill()
    for response in (
        await reviewer.get(item),
        await reviewer.post(f"{item}/besluit", json=pick_eva),
    ):
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "brp-unavailable"
    assert (await reviewer.get("/uitval")).json()["total"] == 1
    assert await fetch(isolation.database_url, "SELECT * FROM brp_check.audit_log") == []

    platform["brp-standin"].start()
    platform["brp-standin"].wait_ready()
    decided = await eventually(
        lambda: reviewer.post(f"{item}/besluit", json=pick_eva), lambda r: r.status_code == 200
    )
    assert decided.json()["route"] == "resident"
    assert len(await routed(isolation, Route.RESIDENT, 1)) == 1
    await reviewer.aclose()


async def test_how_long_the_oldest_crisis_item_has_waited_and_its_deadline_are_gauges(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = make_platform()
    start(platform, tmp_path)
    crisis = of_kind(received("0363", UNKNOWN_AT_JANSENS, JANSENS), SignalKind.AFSLUITING)
    later = of_kind(
        received("0363", AMBIGUOUS, Address(postcode="1012AE", huisnummer=9)),
        SignalKind.UITHUISZETTING,  # an announced eviction
    )
    not_crisis = received("0518", UNKNOWN_AT_JANSENS, JANSENS)  # a plain vroegsignaal
    await send(isolation, [crisis, later, not_crisis])
    await queued(isolation, 3)
    # The disconnection has waited two hours, the eviction one.
    for event, hours in ((crisis, 2), (later, 1)):
        await execute(
            isolation.database_url,
            "UPDATE brp_check.reviews SET queued_at = now() - make_interval(hours => $2) "
            "WHERE signal_id = $1",
            event.signal.signal_id,
            hours,
        )

    def ages(samples: dict[Any, float]) -> dict[str, float]:
        return {
            dict(labels)["municipality"]: age
            for (name, labels), age in samples.items()
            if name == "vroeg_review_oldest_crisis_age_seconds"
        }

    waiting = ages(await scrape(platform["brp-check"].url))
    assert set(waiting) == {"0363"}  # 0518's item is no crisis
    assert 2 * 3600 <= waiting["0363"] < 2 * 3600 + 60
    # Both were received today: 3 working days left, whatever the day.
    assert working_days_left(await scrape(platform["brp-check"].url)) == {"0363": 3}
    # The eviction was received on Friday 27 November 2026 (due Wednesday 2 December): missed.
    await execute(
        isolation.database_url,
        "UPDATE brp_check.reviews SET received_at = '2026-11-27T10:00:00Z' WHERE signal_id = $1",
        later.signal.signal_id,
    )
    assert working_days_left(await scrape(platform["brp-check"].url))["0363"] < 0

    # Decided, the disconnection no longer waits: the eviction is the oldest.
    async with await as_staff(platform, "reviewer-0363") as reviewer:
        decided = await reviewer.post(
            f"/uitval/{crisis.signal.signal_id}/besluit",
            json={"choice": "signal-data", "explanation": "new resident"},
        )
    assert decided.status_code == 200, decided.text
    waiting = ages(await scrape(platform["brp-check"].url))
    assert 3600 <= waiting["0363"] < 3600 + 60


def working_days_left(samples: dict[Any, float]) -> dict[str, float]:
    return {
        dict(labels)["municipality"]: left
        for (name, labels), left in samples.items()
        if name == "vroeg_review_crisis_working_days_left"
    }


def of_kind(event: SignalReceived, kind: SignalKind) -> SignalReceived:
    """The event with its signal of another kind (a crisis: disconnection or eviction)."""
    return event.model_copy(update={"signal": event.signal.model_copy(update={"kind": kind})})


def received_at(event: SignalReceived, at: datetime) -> SignalReceived:
    """The event with its signal received by intake at another moment."""
    return event.model_copy(update={"signal": event.signal.model_copy(update={"received_at": at})})


async def test_crisis_items_come_first_each_with_its_first_contact_deadline(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = make_platform()
    start(platform, tmp_path)
    # The oldest is a plain vroegsignaal; an eviction is queued before a water disconnection
    # that was received earlier.
    plain = received_at(
        received("0363", UNKNOWN_AT_JANSENS, JANSENS), datetime(2026, 11, 20, 9, tzinfo=UTC)
    )
    # Received Tuesday 1 December 23:30 UTC: Wednesday 2 December in the Netherlands, so
    # Thursday, Friday and Monday count.
    eviction = received_at(
        of_kind(
            received("0363", AMBIGUOUS, Address(postcode="1012AE", huisnummer=9)),
            SignalKind.UITHUISZETTING,
        ),
        datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
    )
    # Received Friday 27 November: Monday, Tuesday and Wednesday count.
    disconnection = of_kind(received("0363", UNKNOWN_AT_JANSENS, JANSENS), SignalKind.AFSLUITING)
    water = received_at(
        disconnection.model_copy(
            update={
                "signal": disconnection.signal.model_copy(
                    update={"arrears_type": ArrearsType.DRINKWATER, "vlp_type": VlpType.DRINKWATER}
                )
            }
        ),
        datetime(2026, 11, 27, 15, tzinfo=UTC),
    )
    for n, event in enumerate((plain, eviction, water), start=1):
        await send(isolation, [event])
        await queued(isolation, n)

    async with await as_staff(platform, "reviewer-0363") as reviewer:
        queue = await reviewer.get("/uitval")
        assert queue.status_code == 200, queue.text
        items = queue.json()["items"]
        assert [(i["signalId"], i["crisis"], i["firstContactDue"]) for i in items] == [
            (str(water.signal.signal_id), True, "2026-12-02"),
            (str(eviction.signal.signal_id), True, "2026-12-07"),
            (str(plain.signal.signal_id), False, None),
        ]
        assert [datetime.fromisoformat(i["receivedAt"]) for i in items] == [
            water.signal.received_at,
            eviction.signal.received_at,
            plain.signal.received_at,
        ]
        # No personal data in the list.
        for personal in ("Onbekend", "Mulder", "Jansen"):
            assert personal not in queue.text
        assert "1012" not in _said(queue)
        # A page of one holds the crisis item, not the oldest.
        first = (await reviewer.get("/uitval", params={"limit": 1})).json()
        assert [i["signalId"] for i in first["items"]] == [str(water.signal.signal_id)]
        assert first["total"] == 3
        # Opened, the item shows the same deadline.
        opened = (await reviewer.get(f"/uitval/{eviction.signal.signal_id}")).json()
        assert (opened["crisis"], opened["firstContactDue"]) == (True, "2026-12-07")
