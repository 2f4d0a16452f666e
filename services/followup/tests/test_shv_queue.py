"""The SHV professional's queue (R-BRP-4): signals of residents known to debt help, for role
`shv-professional` in their municipalities, oldest first and audited; what the professional
registers closes the item and goes to feedback and reporting without personal data. Each
refusal is a clear 4xx and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import publish, read_topic
from tests.support.signals import routed_signal
from vroeg.shared.clock import dutch_date
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import (
    DebtHelpSignalHandled,
    DebtHelpStanding,
    OutcomeCategory,
    OutcomeDetail,
    Route,
    SignalRouted,
)
from vroeg.shared.topics import DEBT_HELP_SIGNAL_HANDLED, ROUTE_TOPICS

PROFESSIONAL = "shv-0363"
BSN = "999993653"


def debt_help(
    standing: DebtHelpStanding, days_ago: int, municipality: str = "0363"
) -> SignalRouted:
    """A signal brp-check routed to debt help, received `days_ago` days ago."""
    event = routed_signal(route=Route.DEBT_HELP)
    signal = event.signal.model_copy(
        update={
            "signal_id": uuid4(),
            "received_at": datetime.now(UTC) - timedelta(days=days_ago),
        }
    )
    return event.model_copy(
        update={"municipality": municipality, "signal": signal, "bsn": BSN, "debt_help": standing}
    )


async def handled(iso: Isolation) -> dict[UUID, tuple[str | None, str | None]]:
    """Each item's handling as stored: (outcome detail, what was done)."""
    rows = await fetch(
        iso.database_url,
        "SELECT signal_id, outcome_detail, action_taken FROM followup.shv_items",
    )
    return {r["signal_id"]: (r["outcome_detail"], r["action_taken"]) for r in rows}


async def test_the_shv_queue_oldest_first_audited_and_each_handling_told_without_personal_data(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    oldest = debt_help(DebtHelpStanding.ACTIVE, days_ago=9)
    recent_decision = debt_help(DebtHelpStanding.RECENT_DECISION, days_ago=5)
    newest = debt_help(DebtHelpStanding.ACTIVE, days_ago=1)
    elsewhere = debt_help(DebtHelpStanding.ACTIVE, days_ago=20, municipality="0518")
    platform = make_platform()
    platform.start(["idp-standin", "followup"])
    await publish(
        isolation.kafka,
        isolation.topic(ROUTE_TOPICS[Route.DEBT_HELP].name),
        [newest, elsewhere, oldest, recent_decision],
    )
    await eventually(
        lambda: fetch(isolation.database_url, "SELECT 1 FROM followup.shv_items"),
        lambda rows: len(rows) == 4,
    )
    base = f"{platform['followup'].url}/v1"
    http = httpx.AsyncClient(base_url=base, headers=staff_headers(platform, PROFESSIONAL))

    # Nobody without a token, nobody without the role, nobody for a municipality not theirs.
    anonymous = await httpx.AsyncClient(base_url=base).get("/shv")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    case_worker = staff_headers(platform, "vroegsignaleerder-0363")
    assert (await http.get("/shv", headers=case_worker)).status_code == 403
    assert (await http.get("/shv", params={"gemeente": "0518"})).status_code == 403
    assert (await http.get("/shv", params={"gemeente": "amsterdam"})).status_code == 400

    # Their municipality's open items, oldest receipt first, naming who each is about.
    items = (await http.get("/shv")).json()["items"]
    assert [i["signalId"] for i in items] == [
        str(s.signal.signal_id) for s in (oldest, recent_decision, newest)
    ]
    assert [i["debtHelp"] for i in items] == ["ACTIVE", "RECENT_DECISION", "ACTIVE"]
    assert {(i["name"], i["bsn"], i["vlpType"], i["amount"]) for i in items} == {
        ("Jansen", BSN, "HUUR", "412.00")
    }
    reads = await fetch(
        isolation.database_url,
        "SELECT actor, municipality, details FROM followup.audit_log WHERE action = 'shv.read'",
    )
    assert [(r["actor"], r["municipality"]) for r in reads] == [(PROFESSIONAL, "0363")]

    # Refused, each with a clear 4xx, and nothing handled.
    path = f"/shv/{oldest.signal.signal_id}/afhandeling"
    known = {"actionTaken": "Gebeld met de schuldhulpverlener", "category": "BEKEND_BIJ_SHV"}
    for signal_id, body, status, why in [
        (elsewhere.signal.signal_id, known, 404, None),
        (uuid4(), known, 404, None),
        # (b): a final decision, no debt help now: BEKEND_BIJ_SHV may not be the result.
        (recent_decision.signal.signal_id, known, 422, "R-BRP-4"),
        (oldest.signal.signal_id, {"category": "BEKEND_BIJ_SHV"}, 400, None),
        (oldest.signal.signal_id, {**known, "bsn": BSN}, 400, None),
        (oldest.signal.signal_id, {**known, "category": "WIL_HULP"}, 422, "needs a detail"),
        (
            oldest.signal.signal_id,
            {**known, "category": "WIL_HULP", "detail": "QUICK_FIX"},
            422,
            "reached",
        ),
        (oldest.signal.signal_id, {**known, "category": "ONBEKEND"}, 400, None),
    ]:
        refused = await http.post(f"/shv/{signal_id}/afhandeling", json=body)
        assert refused.status_code == status, (body, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        if why:
            assert why in refused.json()["detail"]
    assert (await http.post(path, json=known, headers=case_worker)).status_code == 403
    assert {detail for detail, _ in (await handled(isolation)).values()} == {None}

    # (a): known to debt help; and (b): the professional referred the resident, who accepted.
    done = await http.post(path, json=known)
    assert done.status_code == 201, done.text
    assert done.json()["outcomeDetail"] == "BEKEND_BIJ_SHV"
    accepted = await http.post(
        f"/shv/{recent_decision.signal.signal_id}/afhandeling",
        json={
            "actionTaken": "Opnieuw aangemeld bij de kredietbank",
            "category": "WIL_HULP",
            "detail": "VERWIJZING_FINANCIEEL",
            "reached": True,
        },
    )
    assert accepted.status_code == 201, accepted.text
    assert (await http.post(path, json=known)).status_code == 409
    assert await handled(isolation) == {
        oldest.signal.signal_id: ("BEKEND_BIJ_SHV", "Gebeld met de schuldhulpverlener"),
        recent_decision.signal.signal_id: (
            "VERWIJZING_FINANCIEEL",
            "Opnieuw aangemeld bij de kredietbank",
        ),
        newest.signal.signal_id: (None, None),
        elsewhere.signal.signal_id: (None, None),
    }
    assert [i["signalId"] for i in (await http.get("/shv")).json()["items"]] == [
        str(newest.signal.signal_id)
    ]

    # Feedback and reporting hear each result once, with the standing and, for help
    # accepted, the creditor's 30-day pause (R-FU-5); nothing personal on the topic.
    records = await read_topic(
        isolation.kafka, isolation.topic(DEBT_HELP_SIGNAL_HANDLED.name), expect=2
    )
    assert not any(
        text in record.value for record in records for text in (b"Jansen", BSN.encode(), b"Gebeld")
    )
    events: dict[UUID, DebtHelpSignalHandled] = {}
    for record in records:
        event = decode(record.headers, record.value)
        assert isinstance(event, DebtHelpSignalHandled)
        events[event.signal_id] = event
    assert len(records) == len(events) == 2
    known_event = events[oldest.signal.signal_id]
    accepted_event = events[recent_decision.signal.signal_id]
    assert (known_event.category, known_event.debt_help, known_event.collection_paused_until) == (
        OutcomeCategory.BEKEND_BIJ_SHV,
        DebtHelpStanding.ACTIVE,
        None,
    )
    assert (accepted_event.detail, accepted_event.debt_help) == (
        OutcomeDetail.VERWIJZING_FINANCIEEL,
        DebtHelpStanding.RECENT_DECISION,
    )
    assert accepted_event.collection_paused_until == dutch_date(
        accepted_event.handled_at
    ) + timedelta(days=30)
