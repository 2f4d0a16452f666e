"""One batch of signals through all six services, as processes on real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.support.asyncapi import AsyncApiContract
from tests.support.db import eventually, fetch, unsent
from tests.support.fixtures import (
    Isolation,
    creditor_key,
    isolated,
    platform_for,
    staff_headers,
)
from tests.support.kafka import distinct, headers_of, read_topic
from tests.support.monitor import Figures, breakdown, get_figures, this_month
from tests.support.otlp import OtlpReceiver, ReceivedSpan
from vroeg.deploy import infra
from vroeg.deploy.demo import signal_body
from vroeg.shared.cloudevents import decode
from vroeg.shared.events import Route, SignalRouted
from vroeg.shared.topics import (
    AGREEMENTS,
    CASE_OUTCOME_REGISTERED,
    CASE_UPDATED,
    CREDITOR_KEYS,
    ROUTE_TOPICS,
    SERVICES,
    TENANTS,
    TOPICS,
)

TODAY = date(2026, 11, 27)


@dataclass(frozen=True)
class Journey:
    """What the batch left behind."""

    iso: Isolation
    signal_ids: dict[str, str]
    counts: Figures
    spans: list[ReceivedSpan]


def _body(name: str, **kw: Any) -> dict[str, Any]:
    return signal_body(
        reference=f"journey-{name}",
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        today=TODAY,
        geslachtsnaam=name,
        **kw,
    )


BATCH = {
    "resident": _body("Jansen", geboortedatum=date(1980, 5, 1), postcode="1012AB", huisnummer=1),
    "deceased": _body(
        "Vries", voorvoegsel="de", geboortedatum=date(1950, 2, 2), postcode="1012AB", huisnummer=3
    ),
    "relocated": _body("Bakker", geboortedatum=date(1975, 7, 7), postcode="1012AB", huisnummer=8),
}


@pytest.fixture(scope="module")
def journey(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Journey]:
    receiver = OtlpReceiver()
    receiver.start()
    with isolated(endpoints) as iso:
        platform = platform_for(
            iso,
            tmp_path_factory.mktemp("journey"),
            {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"},
        )
        try:
            platform.start()
            key = asyncio.run(creditor_key(platform["intake"].url))
            ids = {}
            for name, body in BATCH.items():
                response = httpx.post(
                    f"{platform['intake'].url}/v1/signalen", json=body, headers={"X-Api-Key": key}
                )
                assert response.status_code == 201, response.text
                ids[name] = response.json()["id"]
            analyst = staff_headers(platform, "analyst-0363")
            counts = asyncio.run(
                eventually(
                    lambda: get_figures(platform["reporting"].url, analyst, this_month()),
                    lambda c: (
                        c.get(("signalen", "0363", None)) == 3
                        and c.get(("meldingen", "0363", None)) == 2
                        # Every route counted, none still "nog-niet-gecontroleerd".
                        and set(breakdown(c, "eindroute", "0363"))
                        == {"resident", "deceased", "relocated"}
                        # The deceased's case closed by followup and mirrored by the matcher.
                        and c.get(("uitkomst_detail", "0363", "OVERLEDEN")) == 1
                    ),
                )
            )
            # The rest of the journey's ends, which reach the services by other topics than
            # the figures: the creditors' feedback, the deadlines, and every event sent.
            asyncio.run(
                eventually(
                    lambda: _ends(iso.database_url), lambda ends: ends == (2, 2, 0), timeout=30
                )
            )
        finally:
            platform.stop()  # a graceful stop flushes every process's spans
        yield Journey(iso, ids, counts, receiver.snapshot())
    receiver.stop()


async def _ends(database_url: str) -> tuple[int, int, int]:
    """Feedback rows, first-contact deadlines, and events still in an outbox."""
    [feedback] = await fetch(database_url, "SELECT count(*) FROM feedback.feedback")
    [deadlines] = await fetch(database_url, "SELECT count(*) FROM followup.first_contact_deadlines")
    return feedback[0], deadlines[0], await unsent(database_url)


async def test_each_signal_is_published_on_the_topic_of_its_route(journey: Journey) -> None:
    for route in (Route.RESIDENT, Route.DECEASED, Route.RELOCATED):
        topic = journey.iso.topic(ROUTE_TOPICS[route].name)
        records = distinct(await read_topic(journey.iso.kafka, topic, expect=1))
        events = [decode(r.headers, r.value) for r in records]
        assert [str(e.signal.signal_id) for e in events if isinstance(e, SignalRouted)] == [
            journey.signal_ids[route.value]
        ]


async def test_every_record_the_services_sent_conforms_to_the_asyncapi_document(
    journey: Journey,
) -> None:
    contract = AsyncApiContract()
    checked: dict[str, int] = {}
    # The deceased debtor lived alone: followup closes that case by itself (R-BRP-2) and the
    # matcher mirrors the closing, a hop later than the rest.
    later = {CASE_OUTCOME_REGISTERED.name: 1, CASE_UPDATED.name: 1}
    for topic in TOPICS:
        records = await read_topic(
            journey.iso.kafka, journey.iso.topic(topic.name), expect=later.get(topic.name, 0)
        )
        for record in records:
            assert record.value is not None
            problems = contract.problems(topic.name, headers_of(record), record.value)
            assert problems == [], f"{topic.name}: {problems}"
        events = len(distinct(records))
        checked[topic.event.__name__] = checked.get(topic.event.__name__, 0) + events
    # received 3, routed 3 (resident, deceased, relocated), each with its lean fact for the
    # monitor, 2 cases (with how to reach them) and their 2 deadlines, the deceased's case closed
    # and its mirror updated, the relocated one not forwarded (no registry entry for its
    # municipality); and the tenant entered, the creditor's agreement saved and its key issued
    # before the signals
    assert {k: v for k, v in checked.items() if v} == {
        "SignalReceived": 3,
        "SignalFact": 3,
        "SignalRouted": 3,
        "RouteFact": 3,
        "CaseOpened": 2,
        "CaseContactsChanged": 2,
        "FirstContactDeadlineSet": 2,
        "CaseOutcomeRegistered": 1,
        "CaseUpdated": 1,
        "CreditorKeyChanged": 1,
        "TenantChanged": 1,
        "AgreementChanged": 1,
        "SignalForwarded": 1,
    }


async def test_the_matcher_opens_a_case_for_the_resident_and_the_deceased(journey: Journey) -> None:
    rows = await fetch(
        journey.iso.database_url,
        "SELECT s.signal_id::text AS signal_id, s.route, c.state->>'flags' AS flags, c.status "
        "FROM matcher.case_signals s JOIN matcher.cases c ON c.id = s.case_id",
    )
    by_signal = {r["signal_id"]: r for r in rows}
    assert set(by_signal) == {journey.signal_ids["resident"], journey.signal_ids["deceased"]}
    assert json.loads(by_signal[journey.signal_ids["deceased"]]["flags"]) == ["OVERLEDEN"]
    assert json.loads(by_signal[journey.signal_ids["resident"]]["flags"]) == []
    assert by_signal[journey.signal_ids["resident"]]["status"] == "OPEN"
    # Nobody else registered at the deceased's address: closed, "Inwoner is overleden" (R-BRP-2).
    closed = await eventually(
        lambda: fetch(
            journey.iso.database_url,
            "SELECT c.status, c.outcome_detail FROM matcher.cases c JOIN matcher.case_signals s "
            "ON s.case_id = c.id WHERE s.signal_id = $1",
            UUID(journey.signal_ids["deceased"]),
        ),
        lambda found: found[0]["status"] == "CLOSED",
    )
    assert (closed[0]["status"], closed[0]["outcome_detail"]) == ("CLOSED", "OVERLEDEN")


async def test_followup_fixes_a_first_contact_deadline_for_each_case(journey: Journey) -> None:
    rows = await fetch(
        journey.iso.database_url,
        "SELECT d.case_id, d.working_days, d.due_date, d.opened_on "
        "FROM followup.first_contact_deadlines d",
    )
    cases = await fetch(journey.iso.database_url, "SELECT id FROM matcher.cases")
    assert {r["case_id"] for r in rows} == {r["id"] for r in cases}
    assert all(r["working_days"] == 10 and r["due_date"] > r["opened_on"] for r in rows)


async def test_feedback_keeps_only_what_the_creditor_may_hear(journey: Journey) -> None:
    rows = await fetch(
        journey.iso.database_url,
        "SELECT signal_id::text AS signal_id, feedback_type, doorgestuurd FROM feedback.feedback",
    )
    # Bakker moved to a known municipality this deployment's registry does not name: not
    # forwarded, and the creditor hears NIET_WOONACHTIG with just that (R-BRP-1, Awb 2:3);
    # the resident's creditor hears only from an outcome.
    assert {(r["signal_id"], r["feedback_type"], r["doorgestuurd"]) for r in rows} == {
        (journey.signal_ids["deceased"], "OVERLEDEN", None),
        (journey.signal_ids["relocated"], "NIET_WOONACHTIG", False),
    }


def test_reporting_serves_the_indicators_of_the_municipality(journey: Journey) -> None:
    assert journey.counts[("signalen", "0363", None)] == 3
    assert journey.counts[("meldingen", "0363", None)] == 2
    assert {k: v for k, v in breakdown(journey.counts, "eindroute", "0363").items()} == {
        "resident": Decimal("0.3333"),
        "deceased": Decimal("0.3333"),
        "relocated": Decimal("0.3333"),
    }
    assert journey.counts[("uitkomst_detail", "0363", "OVERLEDEN")] == 1


def test_one_signal_is_one_trace_across_all_six_services(journey: Journey) -> None:
    deceased_topic = journey.iso.topic(ROUTE_TOPICS[Route.DECEASED].name)
    sends = [
        s
        for s in journey.spans
        if s.attributes.get("messaging.destination.name") == deceased_topic
        and s.attributes.get("messaging.operation.type") == "send"
    ]
    assert len(sends) == 1
    trace = [s for s in journey.spans if s.trace_id == sends[0].trace_id]
    assert {s.service for s in trace} == {f"vroeg-{name}" for name in SERVICES}
    names = {(s.service, s.name) for s in trace}
    assert ("vroeg-intake", "POST /v1/signalen") in names  # the route as clients call it
    # One server span per delivery: no second, orphaned trace beside it.
    posts = [s for s in journey.spans if s.name == "POST /v1/signalen"]
    assert len(posts) == len(BATCH)
    assert any(s.service == "vroeg-brp-check" and s.name == "POST" for s in trace)  # the BRP call
    assert any("db.system" in s.attributes or "db.system.name" in s.attributes for s in trace)
    # Every messaging span of the run belongs to one of the three signals' traces, but for the
    # tenant entered, the creditor's key issued and its agreement saved (each its own trace)
    # before the signals.
    setup_topics = {journey.iso.topic(topic.name) for topic in (CREDITOR_KEYS, TENANTS, AGREEMENTS)}
    key_traces = {
        s.trace_id
        for s in journey.spans
        if s.attributes.get("messaging.destination.name") in setup_topics
    }
    messaging_traces = {s.trace_id for s in journey.spans if "messaging.system" in s.attributes}
    assert len(key_traces) == 3
    assert len(messaging_traces - key_traces) == len(BATCH)
