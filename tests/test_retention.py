"""Retention across the platform (R-MAT-5): intake, brp-check and feedback as processes erase
the personal data that fell due — time driven by setting their clocks back in the database —
keep the facts, leave the rest alone, report counts, and keep personal topics short."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any

import httpx

from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.kafka import topic_configs
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import ServiceProcess
from vroeg.shared.topics import TOPICS, dead_letter_topic

TODAY = date.today()
SEVEN_MONTHS = "7 months"
ERASED_LINE = "retention: erased personal data"


def body(reference: str, geslachtsnaam: str = "Jansen", **overrides: Any) -> dict[str, Any]:
    return {
        **signal_body(
            reference=reference,
            kind="VROEGSIGNAAL",
            arrears_type="HUUR",
            geslachtsnaam=geslachtsnaam,
            geboortedatum=date(1980, 5, 1),
            postcode="1012AB",
            huisnummer=1,
            today=TODAY,
        ),
        **overrides,
    }


def erased_counts(process: ServiceProcess) -> dict[str, int]:
    """What the service's retention runs reported erasing, summed over its log lines."""
    totals: dict[str, int] = {}
    for line in process.log_path.read_text().splitlines():
        entry = json.loads(line) if line.startswith("{") else {}
        if entry.get("message") == ERASED_LINE:
            for data_class, count in entry["erased"].items():
                totals[data_class] = totals.get(data_class, 0) + count
    return totals


def retention_lines(process: ServiceProcess) -> list[str]:
    return [line for line in process.log_path.read_text().splitlines() if ERASED_LINE in line]


async def test_personal_data_that_fell_due_is_erased_once_everywhere_and_the_facts_stay(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform({"VROEG_RETENTION_INTERVAL_S": "0.5"})
    platform.start(["brp-standin", "idp-standin", "intake", "brp-check", "feedback"])
    intake, brp_check = platform["intake"], platform["brp-check"]
    url = f"{intake.url}/v1/signalen"
    key = {"X-Api-Key": await creditor_key(intake.url)}
    cak_key = {"X-Api-Key": await creditor_key(intake.url, ("cak", "ZORGVERZEKERING"))}
    due_ids = {
        "routed": httpx.post(url, json=body("routed"), headers=key).json()["id"],
        # Nobody of that name lives at the Jansens' address: the review queue.
        "review": httpx.post(url, json=body("review", "Onbekend"), headers=key).json()["id"],
        # Too early (R-IN-4): refused, so the creditor hears NIET_OPGEPAKT through feedback.
        "refused": httpx.post(
            url,
            json=body("refused", oldestDueDate=(TODAY - timedelta(days=29)).isoformat()),
            headers=key,
        ).json()["id"],
        "cak": httpx.post(
            url,
            json=body("cak", kind="CAK_WANBETALER", arrearsType="ZORGVERZEKERING"),
            headers=cak_key,
        ).json()["id"],
    }
    young_ids = {
        "routed": httpx.post(url, json=body("young"), headers=key).json()["id"],
        "review": httpx.post(url, json=body("young-review", "Onbekend"), headers=key).json()["id"],
        "refused": httpx.post(
            url,
            json=body("young-refused", oldestDueDate=(TODAY - timedelta(days=29)).isoformat()),
            headers=key,
        ).json()["id"],
    }
    db = isolation.database_url
    await eventually(
        lambda: fetch(db, "SELECT signal_id FROM brp_check.reviews"), lambda r: len(r) == 2
    )
    await eventually(
        lambda: fetch(db, "SELECT signal_id FROM feedback.feedback"), lambda r: len(r) == 2
    )
    await eventually(
        lambda: fetch(db, "SELECT signal_id FROM feedback.signal_creditors"),
        lambda r: len(r) == 2,
    )
    # Reviewers open both items (audited with the BSNs shown) and decide the young one.
    reviewer = staff_headers(platform, "reviewer-0363")
    uitval = f"{brp_check.url}/v1/uitval"
    for signal_id in (due_ids["review"], young_ids["review"]):
        assert httpx.get(f"{uitval}/{signal_id}", headers=reviewer).status_code == 200
    decided = httpx.post(
        f"{uitval}/{young_ids['review']}/besluit",
        headers=reviewer,
        json={"choice": "signal-data", "explanation": "Onbekend woont hier volgens de VLP."},
    )
    assert decided.status_code == 200, decided.text

    # Seven months pass for the due signals' copies, in one statement per table.
    due = list(due_ids.values())
    for table, clock, column in (
        ("intake.signals", "received_at", "id"),
        ("brp_check.reviews", "queued_at", "signal_id"),
        ("brp_check.audit_log", "at", "signal_id"),
        ("feedback.feedback", "created_at", "signal_id"),
        ("feedback.signal_creditors", "recorded_at", "signal_id"),
    ):
        await execute(
            db,
            f"UPDATE {table} SET {clock} = {clock} - interval '{SEVEN_MONTHS}' "
            f"WHERE {column}::text = ANY($1::text[])",
            due,
        )

    signals = await eventually(
        lambda: fetch(db, "SELECT * FROM intake.signals"),
        lambda rows: all(r["data"] is None for r in rows if str(r["id"]) in due),
    )
    by_id = {str(r["id"]): r for r in signals}
    assert all(by_id[i]["data"] is None for i in due)
    assert by_id[due_ids["cak"]]["status"] == "CAK_ONTVANGEN"
    assert by_id[due_ids["routed"]]["status"] == "ONTVANGEN"
    assert all(by_id[i]["municipality"] == "0363" and by_id[i]["kind"] for i in due)
    assert json.loads(by_id[young_ids["routed"]]["data"])["debtor"]["geslachtsnaam"] == "Jansen"

    reviews = await eventually(
        lambda: fetch(db, "SELECT * FROM brp_check.reviews"),
        lambda rows: all(r["signal"] is None for r in rows),
    )
    (erased_review,) = [r for r in reviews if str(r["signal_id"]) == due_ids["review"]]
    assert erased_review["signal"] is None
    assert erased_review["candidate_bsns"] is None
    assert erased_review["decided_at"] is None  # undecided, and now out of the queue
    assert json.loads(erased_review["reasons"])
    (young_review,) = [r for r in reviews if str(r["signal_id"]) == young_ids["review"]]
    assert young_review["explanation"] == "Onbekend woont hier volgens de VLP."
    queue = httpx.get(uitval, headers=reviewer)
    assert queue.json()["total"] == 0
    late = httpx.post(
        f"{uitval}/{due_ids['review']}/besluit",
        headers=reviewer,
        json={"choice": "legal-person", "explanation": "te laat"},
    )
    assert (late.status_code, late.json()["code"]) == (409, "erased")

    audit = await eventually(
        lambda: fetch(db, "SELECT * FROM brp_check.audit_log ORDER BY id"),
        lambda rows: all(
            "candidates_shown" not in json.loads(r["details"])
            for r in rows
            if str(r["signal_id"]) in due
        ),
    )
    due_audit = [r for r in audit if str(r["signal_id"]) in due]
    assert [(r["action"], r["actor"], json.loads(r["details"])) for r in due_audit] == [
        ("review.opened", "reviewer-0363", {})
    ]
    young_decision = [r for r in audit if r["action"] == "review.decided"]
    assert json.loads(young_decision[0]["details"])["explanation"]

    records = await eventually(
        lambda: fetch(db, "SELECT * FROM feedback.feedback"),
        lambda rows: any(r["vlp_reference"] is None for r in rows),
    )
    by_signal = {str(r["signal_id"]): r for r in records}
    assert by_signal[due_ids["refused"]]["vlp_reference"] is None
    assert by_signal[due_ids["refused"]]["feedback_type"] == "NIET_OPGEPAKT"
    assert by_signal[due_ids["refused"]]["reason"]
    assert by_signal[young_ids["refused"]]["vlp_reference"] == "young-refused"

    # The runs reported counts per data class, and nothing personal; later runs erase no more.
    expected = {
        "intake": {"intake.signal": 2, "intake.cak-registration": 1},
        "brp-check": {"brp-check.review-item": 1, "brp-check.audit-detail": 1},
        # The refused signal's feedback, and whose the routed signal is (for its outcome); no
        # forward waits (relocated signals' data, Awb 2:3) in this test's data.
        "feedback": {
            "feedback.record": 1,
            "feedback.webhook-delivery": 0,
            "feedback.signal-creditor": 1,
            "feedback.forward": 0,
        },
    }
    for name, counts in expected.items():

        async def reported(process: ServiceProcess = platform[name]) -> dict[str, int]:
            return erased_counts(process)

        assert await eventually(reported, lambda c, want=counts: c == want) == counts  # type: ignore[misc]
        lines = retention_lines(platform[name])
        assert not any("Jansen" in line or "Onbekend" in line for line in lines)
    await asyncio.sleep(2)  # a few more runs
    assert {name: erased_counts(platform[name]) for name in expected} == expected
    # And the same counts on each service's Prometheus metric.
    for name, counts in expected.items():
        scraped = httpx.get(f"{platform[name].url}/metrics").text
        for data_class, count in counts.items():
            assert f'vroeg_retention_erased_total{{data_class="{data_class}"}} {count}.0' in scraped

    # Topics with personal data (and every dead-letter topic) keep records a week at most.
    started = {"intake", "brp-check", "feedback"}
    topics = {
        isolation.topic(t.name): t.personal_data
        for t in TOPICS
        if t.producer in started or started & set(t.consumers)
    }
    for service in started:
        topics[isolation.topic(dead_letter_topic(service))] = True
    configs = await topic_configs(isolation.kafka, list(topics))
    week_ms = str(7 * 86400 * 1000)
    assert {name: configs[name].get("retention.ms") == week_ms for name in topics} == topics
