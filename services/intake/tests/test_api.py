"""intake's API on real Kafka and PostgreSQL: what creditors and municipalities see.

The service runs as a process; the tests speak HTTP to it and look at its topics and tables.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.support.db import fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key
from tests.support.kafka import read_events, read_topic
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import ServiceProcess
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY
from vroeg.shared.events import RefusalReason, SignalReceived, SignalRefused
from vroeg.shared.topics import SIGNAL_RECEIVED, SIGNAL_REFUSED

TODAY = date.today()
ADMIN = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}


def body(reference: str = "ref-1", **overrides: Any) -> dict[str, Any]:
    return {
        **signal_body(
            reference=reference,
            kind="VROEGSIGNAAL",
            arrears_type="HUUR",
            geslachtsnaam="Jansen",
            geboortedatum=date(1980, 5, 1),
            postcode="1012AB",
            huisnummer=1,
            today=TODAY,
        ),
        **overrides,
    }


async def stored(iso: Isolation) -> list[Any]:
    return await fetch(iso.database_url, "SELECT * FROM intake.signals ORDER BY received_at")


async def test_an_accepted_signal_is_stored_and_emitted_as_signal_received(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    response = httpx.post(f"{intake.url}/v1/signalen", json=body(), headers=key)
    assert response.status_code == 201
    assert response.json()["status"] == "ONTVANGEN"
    assert response.headers["API-Version"] == "1.0.0"
    events = await read_events(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=1)
    assert len(events) == 1
    assert isinstance(events[0], SignalReceived)
    assert str(events[0].signal.signal_id) == response.json()["id"]
    assert events[0].signal.vlp_id == "woonstad"
    assert events[0].signal.debtor is not None
    assert events[0].signal.debtor.geslachtsnaam == "Jansen"


async def test_a_refused_signal_emits_signal_refused_and_keeps_no_personal_data(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    early = body(oldestDueDate=(TODAY - timedelta(days=29)).isoformat())
    response = httpx.post(f"{intake.url}/v1/signalen", json=early, headers=key)
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["reason"]) == ("NIET_OPGEPAKT", "TERMIJN")
    events = await read_events(isolation.kafka, isolation.topic(SIGNAL_REFUSED.name), expect=1)
    assert [(type(e), e.reason) for e in events if isinstance(e, SignalRefused)] == [
        (SignalRefused, RefusalReason.TERMIJN)
    ]
    [row] = await stored(isolation)
    assert row["data"] is None
    assert "Jansen" not in str(dict(row))
    assert (
        await read_topic(
            isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=0, timeout=1
        )
        == []
    )


@pytest.mark.parametrize(
    ("debtor", "business_name", "outcome"),
    [
        ({"voornamen": "W.A.", "geslachtsnaam": "Jansen"}, None, ("ONTVANGEN", None)),
        ({"voornamen": "B.V.", "geslachtsnaam": "Jansen"}, None, ("ONTVANGEN", None)),
        (None, "Ｓｔｉｃｈｔｉｎｇ De Brug", ("NIET_OPGEPAKT", "RECHTSPERSOON")),
        (None, "Stich\u200bting De Brug", ("NIET_OPGEPAKT", "RECHTSPERSOON")),
    ],
    ids=["initials-wa", "initials-bv", "fullwidth", "zero-width"],
)
async def test_r_in_3_the_legal_person_marker_is_read_from_business_name_and_surname_only(
    intake: ServiceProcess,
    key: dict[str, str],
    debtor: dict[str, str] | None,
    business_name: str | None,
    outcome: tuple[str, str | None],
) -> None:
    signal = {k: v for k, v in body().items() if k != "debtor"}
    signal |= {"debtor": debtor} if debtor else {"businessName": business_name}
    response = httpx.post(f"{intake.url}/v1/signalen", json=signal, headers=key)
    assert response.status_code == 201, response.text
    assert (response.json()["status"], response.json().get("reason")) == outcome


async def test_the_same_reference_twice_gives_the_first_result_and_one_record(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    first = httpx.post(f"{intake.url}/v1/signalen", json=body(), headers=key)
    again = httpx.post(f"{intake.url}/v1/signalen", json=body(amount="999.00"), headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert len(await stored(isolation)) == 1


async def test_concurrent_retries_of_one_delivery_agree_on_one_record(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    async with httpx.AsyncClient(base_url=intake.url, headers=key) as http:
        responses = await asyncio.gather(
            *(http.post("/v1/signalen", json=body("race")) for _ in range(20))
        )
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(await stored(isolation)) == 1
    received = await read_topic(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=1)
    assert len(received) == 1


async def test_an_unknown_field_is_a_400_problem_and_nothing_is_stored(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    response = httpx.post(f"{intake.url}/v1/signalen", json=body(bsn="999990019"), headers=key)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in response.json()["invalidParams"]] == ["bsn"]
    assert await stored(isolation) == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Api-Key": "nonsense"}, {"X-Api-Key": "vroeg_0000000000000000.wrong"}],
    ids=["none", "malformed", "unknown"],
)
async def test_bad_credentials_are_a_401_problem(
    intake: ServiceProcess, isolation: Isolation, headers: dict[str, str]
) -> None:
    response = httpx.post(f"{intake.url}/v1/signalen", json=body(), headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await stored(isolation) == []


async def test_a_right_key_id_with_a_wrong_secret_is_refused(
    intake: ServiceProcess, key: dict[str, str]
) -> None:
    key_id = key["X-Api-Key"].split(".")[0]
    response = httpx.post(
        f"{intake.url}/v1/signalen", json=body(), headers={"X-Api-Key": f"{key_id}.not-the-secret"}
    )
    assert response.status_code == 401, response.text


async def test_a_municipality_without_agreement_is_a_403(
    intake: ServiceProcess, isolation: Isolation
) -> None:
    key = await creditor_key(intake.url, ("vitens", "DRINKWATER"), municipalities=())
    water = body(arrearsType="DRINKWATER")
    response = httpx.post(f"{intake.url}/v1/signalen", json=water, headers={"X-Api-Key": key})
    assert response.status_code == 403
    assert "R-IN-7" in response.json()["detail"]
    assert await stored(isolation) == []


async def test_an_agreement_that_has_ended_no_longer_allows_delivery(
    intake: ServiceProcess, key: dict[str, str]
) -> None:
    ended = {"startsOn": "2024-01-01", "endsOn": (TODAY - timedelta(days=1)).isoformat()}
    httpx.put(
        f"{intake.url}/v1/beheer/vlps/woonstad/overeenkomsten/0363", json=ended, headers=ADMIN
    ).raise_for_status()
    assert httpx.post(f"{intake.url}/v1/signalen", json=body(), headers=key).status_code == 403


async def test_a_creditor_reads_its_own_signal_and_not_anothers(
    intake: ServiceProcess, key: dict[str, str]
) -> None:
    signal_id = httpx.post(f"{intake.url}/v1/signalen", json=body(), headers=key).json()["id"]
    own = httpx.get(f"{intake.url}/v1/signalen/{signal_id}", headers=key)
    assert own.status_code == 200
    assert own.json()["vlpReference"] == "ref-1"
    other = {"X-Api-Key": await creditor_key(intake.url, ("eneco", "ENERGIE"))}
    assert httpx.get(f"{intake.url}/v1/signalen/{signal_id}", headers=other).status_code == 404


async def test_the_threshold_is_policy_and_each_decision_names_its_version(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    saved = httpx.put(
        f"{intake.url}/v1/beheer/gemeenten/0363/beleid",
        headers=ADMIN,
        json={"thresholds": {"HUUR": "500.00"}},
    )
    assert saved.json()["version"] == 1
    below = httpx.post(f"{intake.url}/v1/signalen", json=body("a", amount="499.99"), headers=key)
    equal = httpx.post(f"{intake.url}/v1/signalen", json=body("b", amount="500.00"), headers=key)
    assert (below.json()["status"], below.json()["reason"]) == ("NIET_OPGEPAKT", "ONDER_DREMPEL")
    assert equal.json()["status"] == "ONTVANGEN"
    assert {below.json()["policyVersion"], equal.json()["policyVersion"]} == {1}
    httpx.put(
        f"{intake.url}/v1/beheer/gemeenten/0363/beleid", headers=ADMIN, json={"thresholds": {}}
    ).raise_for_status()
    later = httpx.post(f"{intake.url}/v1/signalen", json=body("c", amount="1.00"), headers=key)
    assert (later.json()["status"], later.json()["policyVersion"]) == ("ONTVANGEN", 2)


async def test_a_cak_registration_is_kept_apart_and_never_routed(
    intake: ServiceProcess, isolation: Isolation
) -> None:
    key = {"X-Api-Key": await creditor_key(intake.url, ("cak", "ZORGVERZEKERING"))}
    cak = body(kind="CAK_WANBETALER", arrearsType="ZORGVERZEKERING")
    response = httpx.post(f"{intake.url}/v1/signalen", json=cak, headers=key)
    assert (response.status_code, response.json()["status"]) == (201, "CAK_ONTVANGEN")
    for topic in (SIGNAL_RECEIVED, SIGNAL_REFUSED):
        assert (
            await read_topic(isolation.kafka, isolation.topic(topic.name), expect=0, timeout=1)
            == []
        )


async def test_a_batch_gives_a_result_per_record_and_stores_only_the_valid(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    records = [
        body("ok-1"),
        body("bad", address={"huisnummer": 1, "postcode": "nope"}),
        body("early", oldestDueDate=(TODAY - timedelta(days=10)).isoformat()),
        body("elsewhere", municipality="0599"),
        body("ok-2"),
    ]
    response = httpx.post(
        f"{intake.url}/v1/signalen/batches", json={"signalen": records}, headers=key
    )
    assert response.status_code == 201
    batch = response.json()
    assert [r["status"] for r in batch["results"]] == [
        "ONTVANGEN",
        "ONGELDIG",
        "NIET_OPGEPAKT",
        "ONGELDIG",
        "ONTVANGEN",
    ]
    assert (batch["ontvangen"], batch["nietOpgepakt"], batch["ongeldig"]) == (2, 1, 2)
    assert batch["results"][1]["errors"][0]["name"] == "address.postcode"
    assert {r["vlp_reference"] for r in await stored(isolation)} == {"ok-1", "early", "ok-2"}
    again = httpx.get(f"{intake.url}/v1/signalen/batches/{batch['id']}", headers=key)
    assert again.json() == batch


async def test_a_batch_retried_with_its_idempotency_key_is_answered_from_the_first(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    headers = {**key, "Idempotency-Key": "delivery-2026-11"}
    records = {"signalen": [body(f"r{i}") for i in range(50)]}
    first = httpx.post(f"{intake.url}/v1/signalen/batches", json=records, headers=headers)
    again = httpx.post(f"{intake.url}/v1/signalen/batches", json=records, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert len(await stored(isolation)) == 50
    received = await read_topic(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=50)
    assert len(received) == 50


async def test_a_batch_over_10000_records_is_refused_whole(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    records = {"signalen": [body(f"r{i}") for i in range(10_001)]}
    response = httpx.post(
        f"{intake.url}/v1/signalen/batches", json=records, headers=key, timeout=60
    )
    assert response.status_code == 400
    assert response.json()["code"] == "batch-too-large"
    assert await stored(isolation) == []


async def test_a_forwarded_signal_keeps_its_creditor_and_forwarder_as_provenance(
    make_platform: PlatformFactory, isolation: Isolation
) -> None:
    platform = make_platform(served=("0363", "0599"))
    platform.start(["intake"])
    intake = platform["intake"]
    forwarder = httpx.post(
        f"{intake.url}/v1/beheer/gemeenten/0599/sleutels", json={}, headers=ADMIN
    ).json()["apiKey"]
    forwarded = {
        **body("fw-1"),
        "originalVlp": {"id": "woonstad", "type": "HUUR"},
        "originalReceivedAt": "2026-11-27T09:30:00+01:00",
    }
    response = httpx.post(
        f"{intake.url}/v1/doorgestuurde-signalen", json=forwarded, headers={"X-Api-Key": forwarder}
    )
    assert response.status_code == 201, response.text
    [event] = await read_events(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), expect=1)
    assert isinstance(event, SignalReceived)
    assert (event.signal.vlp_id, event.signal.forwarded_by) == ("woonstad", "0599")
    creditor = {"X-Api-Key": await creditor_key(intake.url)}
    as_creditor = httpx.post(
        f"{intake.url}/v1/doorgestuurde-signalen", json=forwarded, headers=creditor
    )
    assert as_creditor.status_code == 403


def test_the_admin_api_needs_the_admin_key(intake: ServiceProcess) -> None:
    response = httpx.post(
        f"{intake.url}/v1/beheer/vlps", json={"id": "x-corp", "name": "X", "type": "HUUR"}
    )
    assert response.status_code == 401, response.text
