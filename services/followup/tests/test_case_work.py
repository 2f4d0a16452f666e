"""The case worker's acts through followup's API (R-FU-1 … R-FU-4, R-BRP-2, §8.8.2): each a
clear 4xx and no change when the rules refuse it, and each accepted act told to the others."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import UUID

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import publish, read_events
from tests.support.signals import opened_case as opened
from vroeg.deploy.processes import Platform
from vroeg.shared.events import (
    CaseOpened,
    CaseOutcomeRegistered,
    CaseReopened,
    FirstContactMet,
    OutcomeDetail,
    Route,
    SignalKind,
)
from vroeg.shared.topics import (
    CASE_OPENED,
    CASE_OUTCOME_REGISTERED,
    CASE_REOPENED,
    FIRST_CONTACT_MET,
)

CASE_WORKER = "vroegsignaleerder-0363"


async def started(iso: Isolation, make_platform: PlatformFactory, *cases: CaseOpened) -> Platform:
    """followup and the identity provider, holding these cases."""
    platform = make_platform()
    platform.start(["idp-standin", "followup"])
    await publish(iso.kafka, iso.topic(CASE_OPENED.name), cases)
    await eventually(
        lambda: fetch(iso.database_url, "SELECT case_id FROM followup.cases"),
        lambda rows: len(rows) == len(cases),
    )
    return platform


async def state_of(iso: Isolation, case_id: UUID) -> tuple[str, int, int]:
    """A case's status, and how many attempts and outcomes it has."""
    [row] = await fetch(
        iso.database_url,
        "SELECT c.status, "
        "(SELECT count(*) FROM followup.attempts a WHERE a.case_id = c.case_id) AS attempts, "
        "(SELECT count(*) FROM followup.outcomes o WHERE o.case_id = c.case_id) AS outcomes "
        "FROM followup.cases c WHERE c.case_id = $1",
        case_id,
    )
    return row["status"], row["attempts"], row["outcomes"]


async def test_attempts_and_an_outcome_close_a_case_which_reopens_and_every_refusal_changes_nothing(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    case = opened()
    elsewhere = opened(municipality="0518")
    platform = await started(isolation, make_platform, case, elsewhere)
    http = httpx.AsyncClient(
        base_url=f"{platform['followup'].url}/v1",
        headers=staff_headers(platform, CASE_WORKER),
    )
    path = f"/meldingen/{case.case_id}"
    today = datetime.now(UTC).date().isoformat()

    # The work queue: this municipality's open case, its crisis deadline of 3 working days.
    queue = (await http.get("/meldingen")).json()["items"]
    assert [item["id"] for item in queue] == [str(case.case_id)]
    assert queue[0]["crisis"]
    assert queue[0]["deadline"]["workingDays"] == 3

    # An outcome given as a contact kind, and WIL_HULP without its detail: refused, no change.
    as_kind = await http.post(
        f"{path}/contactpogingen",
        json={"kind": "WIL_HULP", "attemptedOn": today, "result": "BEREIKT"},
    )
    assert as_kind.status_code == 400, as_kind.text
    assert as_kind.headers["content-type"] == "application/problem+json"
    no_detail = await http.post(f"{path}/uitkomst", json={"category": "WIL_HULP"})
    assert no_detail.status_code == 422, no_detail.text
    assert "needs a detail" in no_detail.json()["detail"]
    assert await state_of(isolation, case.case_id) == ("OPEN", 0, 0)

    # Another municipality's case is not found, and nothing happens to it.
    for method, suffix, body in (
        ("GET", "/opvolging", None),
        ("POST", "/uitkomst", {"category": "NIET_BEREIKT", "detail": "GEEN_CONTACT"}),
        (
            "POST",
            "/contactpogingen",
            {"kind": "BRIEF", "attemptedOn": today, "result": "NIET_BEREIKT"},
        ),
    ):
        other = await http.request(method, f"/meldingen/{elsewhere.case_id}{suffix}", json=body)
        assert other.status_code == 404, (suffix, other.text)
    assert await state_of(isolation, elsewhere.case_id) == ("OPEN", 0, 0)

    # A person's phone call picks the case up, on time (R-FU-1).
    call = await http.post(
        f"{path}/contactpogingen",
        json={
            "kind": "TELEFOON",
            "attemptedOn": today,
            "partOfDay": "OCHTEND",
            "result": "BEREIKT",
        },
    )
    assert call.status_code == 201, call.text
    [met] = await read_events(isolation.kafka, isolation.topic(FIRST_CONTACT_MET.name), expect=1)
    assert isinstance(met, FirstContactMet)
    assert (met.case_id, met.on_time, met.crisis) == (case.case_id, True, True)
    assert (await http.get(f"{path}/termijn")).json()["state"] == "MET"

    # The outcome closes the case and tells the matcher which signals it held.
    outcome = await http.post(
        f"{path}/uitkomst", json={"category": "WIL_HULP", "detail": "QUICK_FIX"}
    )
    assert outcome.status_code == 201, outcome.text
    [closed] = await read_events(
        isolation.kafka, isolation.topic(CASE_OUTCOME_REGISTERED.name), expect=1
    )
    assert isinstance(closed, CaseOutcomeRegistered)
    assert closed.signal_ids == tuple(s.signal_id for s in case.state.signals)
    assert closed.detail is OutcomeDetail.QUICK_FIX
    assert await state_of(isolation, case.case_id) == ("CLOSED", 1, 1)
    assert (await http.get("/meldingen")).json()["items"] == []
    again = await http.post(
        f"{path}/uitkomst", json={"category": "WIL_HULP", "detail": "QUICK_FIX"}
    )
    assert again.status_code == 409

    # The resident comes back: reopened with the reason, audited; once.
    reopened = await http.post(f"{path}/heropening", json={"reason": "Inwoner belde terug"})
    assert reopened.status_code == 204, reopened.text
    [event] = await read_events(isolation.kafka, isolation.topic(CASE_REOPENED.name), expect=1)
    assert isinstance(event, CaseReopened)
    assert event.reason == "Inwoner belde terug"
    assert (await http.post(f"{path}/heropening", json={"reason": "nogmaals"})).status_code == 409
    audit = await fetch(
        isolation.database_url,
        "SELECT action, details->>'reason' AS reason FROM followup.audit_log WHERE case_id = $1 "
        "ORDER BY id",
        case.case_id,
    )
    assert [(a["action"], a["reason"]) for a in audit] == [
        ("attempt.registered", None),
        ("case.closed", None),
        ("case.reopened", "Inwoner belde terug"),
    ]
    assert await state_of(isolation, case.case_id) == ("OPEN", 1, 1)


async def test_a_deceased_debtors_case_needs_its_note_unless_nobody_else_lives_there(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    with_household = opened(kind=SignalKind.VROEGSIGNAAL, route=Route.DECEASED, household_size=2)
    alone = opened(kind=SignalKind.VROEGSIGNAAL, route=Route.DECEASED, household_size=0)
    platform = await started(isolation, make_platform, with_household, alone)
    http = httpx.AsyncClient(
        base_url=f"{platform['followup'].url}/v1",
        headers=staff_headers(platform, CASE_WORKER),
    )
    # Nobody else registered there: closed by itself, "Inwoner is overleden" (R-BRP-2).
    [closed] = await read_events(
        isolation.kafka, isolation.topic(CASE_OUTCOME_REGISTERED.name), expect=1
    )
    assert isinstance(closed, CaseOutcomeRegistered)
    assert (closed.case_id, closed.detail) == (alone.case_id, OutcomeDetail.OVERLEDEN)

    # Others live there: the weighing goes in a dossier note before the case may close.
    path = f"/meldingen/{with_household.case_id}"
    body = {"category": "NIET_BEREIKT", "detail": "GEEN_CONTACT"}
    refused = await http.post(f"{path}/uitkomst", json=body)
    assert refused.status_code == 422, refused.text
    assert "R-BRP-2" in refused.json()["detail"]
    assert await state_of(isolation, with_household.case_id) == ("OPEN", 0, 0)
    note = await http.post(
        f"{path}/notities", json={"text": "Partner woont er nog; hulp aangeboden."}
    )
    assert note.status_code == 201, note.text
    assert (await http.post(f"{path}/uitkomst", json=body)).status_code == 201
    assert await state_of(isolation, with_household.case_id) == ("CLOSED", 0, 1)
    # Reading the notes is audited.
    followup = await http.get(f"{path}/opvolging")
    assert followup.status_code == 200
    assert [n["text"] for n in followup.json()["notes"]] == [
        "Partner woont er nog; hulp aangeboden."
    ]
    reads = await fetch(
        isolation.database_url,
        "SELECT count(*) AS n FROM followup.audit_log WHERE action = 'case.followup-read'",
    )
    assert reads[0]["n"] == 1


async def test_outcomes_against_the_decision_table_are_refused_and_change_nothing(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    case = opened(kind=SignalKind.VROEGSIGNAAL)
    platform = await started(isolation, make_platform, case)
    url = f"{platform['followup'].url}/v1/meldingen/{case.case_id}/uitkomst"
    headers = staff_headers(platform, CASE_WORKER)
    for category, detail, why in [
        ("WIL_GEEN_HULP", "ZELF_GEREGELD", "reached"),  # declining help needs contact
        ("WIL_HULP", "GEEN_CONTACT", "not a detail of"),
        ("NIET_BEREIKT", None, "needs a detail"),
    ]:
        body = {"category": category, "detail": detail}
        response = await asyncio.to_thread(httpx.post, url, json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert why in response.json()["detail"]
    assert await state_of(isolation, case.case_id) == ("OPEN", 0, 0)


async def test_the_residents_written_consent_is_recorded_and_the_outcome_says_it_was(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    with_consent = opened(kind=SignalKind.VROEGSIGNAAL)
    without = opened(kind=SignalKind.VROEGSIGNAAL)
    platform = await started(isolation, make_platform, with_consent, without)
    http = httpx.AsyncClient(
        base_url=f"{platform['followup'].url}/v1",
        headers=staff_headers(platform, CASE_WORKER),
    )
    today = datetime.now(UTC).date().isoformat()
    consent = {"recordedBy": "M. de Boer", "on": today, "how": "ondertekend formulier"}
    declined = {"category": "WIL_GEEN_HULP", "detail": "ZELF_GEREGELD"}
    for case in (with_consent, without):
        reached = await http.post(
            f"/meldingen/{case.case_id}/contactpogingen",
            json={"kind": "TELEFOON", "attemptedOn": today, "result": "BEREIKT"},
        )
        assert reached.status_code == 201, reached.text

    # Consent without saying how it was given, or on another outcome: refused, no change.
    path = f"/meldingen/{with_consent.case_id}/uitkomst"
    no_how = await http.post(
        path, json={**declined, "consent": {k: v for k, v in consent.items() if k != "how"}}
    )
    assert no_how.status_code == 400, no_how.text
    assert no_how.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in no_how.json()["invalidParams"]] == ["consent.how"]
    on_help = await http.post(
        path, json={"category": "WIL_HULP", "detail": "QUICK_FIX", "consent": consent}
    )
    assert on_help.status_code == 422, on_help.text
    assert on_help.headers["content-type"] == "application/problem+json"
    assert await state_of(isolation, with_consent.case_id) == ("OPEN", 1, 0)

    assert (await http.post(path, json={**declined, "consent": consent})).status_code == 201
    assert (
        await http.post(f"/meldingen/{without.case_id}/uitkomst", json=declined)
    ).status_code == 201
    events = await read_events(
        isolation.kafka, isolation.topic(CASE_OUTCOME_REGISTERED.name), expect=2
    )
    consent_of = {
        e.case_id: e.creditor_consent for e in events if isinstance(e, CaseOutcomeRegistered)
    }
    assert consent_of == {with_consent.case_id: True, without.case_id: False}
    [stored] = await fetch(
        isolation.database_url,
        "SELECT consent_recorded_by, consent_on, consent_how FROM followup.outcomes "
        "WHERE case_id = $1",
        with_consent.case_id,
    )
    assert (stored["consent_recorded_by"], stored["consent_how"]) == (
        "M. de Boer",
        "ondertekend formulier",
    )
