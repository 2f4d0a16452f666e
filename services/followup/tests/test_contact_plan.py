"""The contact plan (R-FU-3): a municipality's plan, versioned under `/v1/beheer/…`; its
automatic steps go out through the Notify stand-in (JWT-verified), a letter's PDF carrying the
resident's name and the template version, each registered as an automatic attempt that picks
no crisis up (R-FU-1); nothing is sent twice after a kill, and a Notify that was down gets each
message once when it is back. The plan's decisions as pure functions below."""

from __future__ import annotations

import base64
import io
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader

from tests.support.clock import set_clock
from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import produce, publish, read_events
from tests.support.signals import opened_case as opened
from vroeg.deploy.processes import NOTIFY_STANDIN, Platform
from vroeg.followup import contact_plan
from vroeg.followup.contact_plan import CaseFacts, Criteria, Skip, Step
from vroeg.followup.notify import DEVELOPMENT_API_KEY, Notify, NotifySettings
from vroeg.shared.cloudevents import encode
from vroeg.shared.events import CaseContactsChanged, CaseFlag, CaseOpened, ContactKind, SignalKind
from vroeg.shared.topics import CASE_CONTACTS, CASE_OPENED, FIRST_CONTACT_MET

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PROBLEM = "application/problem+json"
NAME = "Jeroen van 't Hoff-Ëlberg"
PLAN: dict[str, Any] = {
    "steps": [
        {"kind": "BRIEF", "delayWorkingDays": 0},
        {"kind": "SMS_WHATSAPP", "delayWorkingDays": 0, "criteria": {"phoneKnown": True}},
        {"kind": "EMAIL", "delayWorkingDays": 1, "criteria": {"emailKnown": True}},
        {"kind": "TELEFOON", "delayWorkingDays": 1},
        {"kind": "HUISBEZOEK", "delayWorkingDays": 2, "criteria": {"crisis": True}},
    ],
    "sender": {
        "name": "Amsterdam",
        "phone": "14 020",
        "email": "geldzorgen@amsterdam.nl",
        "website": "amsterdam.nl/geldzorgen",
        "reachable": "op werkdagen van 9.00 tot 17.00 uur",
        "returnAddress": ["Postbus 202", "1000 AE Amsterdam"],
    },
}


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=AMSTERDAM)


def contacts(case: CaseOpened, **kw: Any) -> CaseContactsChanged:
    """How the matcher tells followup to reach the case's resident."""
    return CaseContactsChanged(
        municipality=case.municipality,
        occurred_at=case.occurred_at,
        case_id=case.case_id,
        version=case.state.version,
        name=NAME,
        address_lines=("Ĳsselstraat 12 bis", "1011 AB  AMSTERDAM"),
        **kw,
    )


def plan_url(platform: Platform, municipality: str = "0363") -> str:
    return f"{platform['followup'].url}/v1/beheer/gemeenten/{municipality}/contactplan"


def save_plan(platform: Platform, body: dict[str, Any] = PLAN) -> None:
    saved = httpx.put(plan_url(platform), json=body, headers=staff_headers(platform, "admin-0363"))
    assert saved.status_code == 200, saved.text


def received(platform: Platform) -> list[dict[str, Any]]:
    """What the Notify stand-in accepted (only after verifying the JWT against its key)."""
    answer = httpx.get(f"{platform[NOTIFY_STANDIN].url}/_stand-in/received", timeout=5)
    return list(answer.json()["received"])


async def received_when(platform: Platform, done: Any) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]]:
        return received(platform)

    return await eventually(probe, done)


def by_reference(entries: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        found.setdefault(entry["request"]["reference"], []).append(entry)
    return found


def followup_of(platform: Platform, case_id: UUID, part: str = "opvolging") -> dict[str, Any]:
    answer = httpx.get(
        f"{platform['followup'].url}/v1/meldingen/{case_id}/{part}",
        headers=staff_headers(platform, "vroegsignaleerder-0363"),
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def pdf_text(entry: dict[str, Any]) -> str:
    pdf = base64.b64decode(entry["request"]["content"])
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def started(make_platform: PlatformFactory, clock: Path, *names: str) -> Platform:
    set_clock(clock, at("2026-12-07").isoformat())  # a Monday
    platform = make_platform(
        {"VROEG_CLOCK_FILE": str(clock), "VROEG_CONTACT_PLAN_INTERVAL_S": "0.2"}
    )
    platform.start(["idp-standin", *names, "followup"])
    return platform


async def test_r_fu_3_the_plan_sends_a_letter_and_an_sms_through_notify_as_automatic_attempts(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    platform = started(make_platform, clock, NOTIFY_STANDIN)
    save_plan(platform)
    crisis = opened(received_at=at("2026-12-07"))  # a water disconnection: due Thursday
    await publish(isolation.kafka, isolation.topic(CASE_OPENED.name), [crisis])
    await publish(
        isolation.kafka,
        isolation.topic(CASE_CONTACTS.name),
        [contacts(crisis, phone="+31 6 12345678")],
    )

    sent = await received_when(platform, lambda r: len(r) >= 2)
    assert sorted(e["type"] for e in sent) == ["letter", "sms"]
    for entry in sent:
        # Kept only after the stand-in verified the token against the development key.
        assert (entry["service_id"], entry["key_name"]) == (
            DEVELOPMENT_API_KEY[-73:-37],
            "vroeg_ontwikkeling",
        )
    [letter] = [e for e in sent if e["type"] == "letter"]
    [sms] = [e for e in sent if e["type"] == "sms"]
    text = pdf_text(letter)
    assert NAME in text
    assert "Brief eerste-brief-v1" in text
    assert sms["request"]["phone_number"] == "+31 6 12345678"
    assert sms["request"]["personalisation"]["naam"] == NAME

    # Each registered as an automatic attempt, not reached until a reply is recorded; the
    # attempt's id is the message's reference, and the letter keeps its template version.
    work = await eventually(
        lambda: _followup(platform, crisis.case_id), lambda f: len(f["attempts"]) == 2
    )
    attempts = {a["kind"]: a for a in work["attempts"]}
    assert set(attempts) == {"BRIEF", "SMS_WHATSAPP"}
    assert all(a["automatic"] and a["result"] == "NIET_BEREIKT" for a in attempts.values())
    assert attempts["BRIEF"]["template"] == "eerste-brief-v1"
    assert attempts["BRIEF"]["notifyId"] == letter["id"]
    assert attempts["BRIEF"]["id"] == letter["request"]["reference"]
    assert attempts["SMS_WHATSAPP"]["notifyId"] == sms["id"]
    # R-FU-1: an automatic message picks no crisis up.
    assert work["deadline"]["metOn"] is None
    assert (
        await read_events(
            isolation.kafka, isolation.topic(FIRST_CONTACT_MET.name), expect=0, settle=1
        )
        == []
    )

    # The plan as it applies to the case: no e-mail address, so no e-mail; the call and the
    # crisis home visit are a person's, with their days.
    steps = {s["kind"]: s for s in followup_of(platform, crisis.case_id, "contactplan")["steps"]}
    assert (steps["BRIEF"]["sent"], steps["SMS_WHATSAPP"]["sent"]) == (True, True)
    assert steps["EMAIL"]["skipped"] == "CRITERIA"
    assert (steps["TELEFOON"]["dueOn"], steps["TELEFOON"]["automatic"]) == ("2026-12-08", False)
    assert (steps["HUISBEZOEK"]["dueOn"], steps["HUISBEZOEK"]["skipped"]) == ("2026-12-09", None)

    # Days later nothing goes out again; the crisis deadline passes unmet.
    set_clock(clock, at("2026-12-11").isoformat())
    later = await eventually(
        lambda: _followup(platform, crisis.case_id), lambda f: f["deadline"]["state"] == "MISSED"
    )
    assert later["deadline"]["state"] == "MISSED"
    assert len(later["attempts"]) == 2
    assert len(received(platform)) == 2


async def _followup(platform: Platform, case_id: UUID) -> dict[str, Any]:
    return followup_of(platform, case_id)


async def test_r_mat_6_no_home_visit_is_planned_for_an_ondernemer(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    platform = started(make_platform, tmp_path / "clock")
    save_plan(platform)
    crisis = opened(received_at=at("2026-12-07"))
    business = crisis.model_copy(
        update={
            "id": uuid4(),
            "case_id": uuid4(),
            "state": crisis.state.model_copy(update={"flags": (CaseFlag.ONDERNEMER,)}),
        }
    )
    await publish(isolation.kafka, isolation.topic(CASE_OPENED.name), [crisis, business])
    await eventually(
        lambda: fetch(isolation.database_url, "SELECT 1 FROM followup.cases"),
        lambda rows: len(rows) == 2,
    )
    visit = {
        case.case_id: next(
            s
            for s in followup_of(platform, case.case_id, "contactplan")["steps"]
            if s["kind"] == "HUISBEZOEK"
        )["skipped"]
        for case in (crisis, business)
    }
    assert visit == {crisis.case_id: None, business.case_id: "ONDERNEMER"}


async def test_r_fu_3_nothing_goes_out_twice_after_notify_was_down_and_followup_was_killed(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = tmp_path / "clock"
    platform = started(make_platform, clock)  # the Notify stand-in is down
    save_plan(platform)
    case = opened(kind=SignalKind.VROEGSIGNAAL, received_at=at("2026-12-07"))
    await publish(isolation.kafka, isolation.topic(CASE_OPENED.name), [case])
    await publish(
        isolation.kafka,
        isolation.topic(CASE_CONTACTS.name),
        [contacts(case, phone="0612345678", email="jeroen@example.nl")],
    )
    # The letter's step is claimed (its attempt id fixed) and waits for Notify.
    [claim] = await eventually(
        lambda: fetch(
            isolation.database_url,
            "SELECT step, attempt_id, sent_at FROM followup.contact_plan_sends",
        ),
        bool,
    )
    assert (claim["step"], claim["sent_at"]) == ("BRIEF+0", None)
    platform["followup"].kill()
    # Notify comes back; the letter had got through just before the kill, unregistered.
    platform.start([NOTIFY_STANDIN])
    notify = Notify(
        NotifySettings.model_validate(
            {"VROEG_ENVIRONMENT": "test", "VROEG_NOTIFY_BASE_URL": platform[NOTIFY_STANDIN].url}
        )
    )
    reference = str(claim["attempt_id"])
    before_kill = await notify.send_letter_pdf(b"%PDF-1.7\n", reference=reference)
    platform.start(["followup"])

    sent = await received_when(platform, lambda r: len(r) >= 2)
    # Both registered before the clock moves: Notify answers before followup registers the
    # attempt on the day it reads then.
    await eventually(lambda: _followup(platform, case.case_id), lambda f: len(f["attempts"]) == 2)
    # Tuesday: the e-mail's day. Once it went out, the passes before it sent nothing again.
    set_clock(clock, at("2026-12-08").isoformat())
    sent = await received_when(platform, lambda r: len(r) >= 3)
    work = await eventually(
        lambda: _followup(platform, case.case_id), lambda f: len(f["attempts"]) == 3
    )
    sent = received(platform)
    assert sorted(e["type"] for e in sent) == ["email", "letter", "sms"]
    assert all(len(entries) == 1 for entries in by_reference(sent).values())
    attempts = {a["kind"]: a for a in work["attempts"]}
    assert (attempts["BRIEF"]["id"], attempts["BRIEF"]["notifyId"]) == (
        reference,
        str(before_kill),
    )
    assert attempts["BRIEF"]["template"] == "eerste-brief-v1"
    assert len(work["attempts"]) == 3
    assert [attempts[kind]["attemptedOn"] for kind in ("BRIEF", "SMS_WHATSAPP", "EMAIL")] == [
        "2026-12-07",
        "2026-12-07",
        "2026-12-08",
    ]


BAD_PLANS: list[dict[str, Any]] = [
    {**PLAN, "steps": [{"kind": "ADMINISTRATIEF", "delayWorkingDays": 0}]},
    {**PLAN, "steps": [{"kind": "BRIEF", "delayWorkingDays": 0}] * 2},
    {**PLAN, "steps": [{"kind": "BRIEF", "delayWorkingDays": -1}]},
    {**PLAN, "steps": []},
    {"steps": PLAN["steps"]},
    {**PLAN, "surprise": True},
    {**PLAN, "steps": [{"kind": "BRIEF", "delayWorkingDays": 0, "criteria": {"x": 1}}]},
    {**PLAN, "sender": {**PLAN["sender"], "returnAddress": []}},
]


def test_r_fu_3_a_bad_contact_plan_is_a_400_problem_and_saves_nothing(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["idp-standin", "followup"])
    admin = staff_headers(platform, "admin-0363")
    for body in BAD_PLANS:
        refused = httpx.put(plan_url(platform), json=body, headers=admin)
        assert refused.status_code == 400, (body, refused.text)
        assert refused.headers["content-type"].startswith(PROBLEM)
    assert httpx.get(plan_url(platform), headers=admin).json()["version"] == 0


async def test_r_fu_3_the_plan_is_versioned_audited_and_only_for_a_municipality_s_admin(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["idp-standin", "followup"])
    admin = staff_headers(platform, "admin-0363")
    default = httpx.get(plan_url(platform), headers=admin).json()
    assert (default["version"], default["sender"]) == (0, None)
    assert [s["kind"] for s in default["steps"]] == [
        "BRIEF",
        "SMS_WHATSAPP",
        "TELEFOON",
        "HUISBEZOEK",
    ]
    save_plan(platform)
    save_plan(platform, {**PLAN, "steps": PLAN["steps"][:1]})
    current = httpx.get(plan_url(platform), headers=admin).json()
    assert (current["version"], len(current["steps"])) == (2, 1)
    assert current["sender"]["returnAddress"] == ["Postbus 202", "1000 AE Amsterdam"]
    audit = await fetch(
        isolation.database_url,
        "SELECT actor, municipality, details FROM followup.audit_log "
        "WHERE action = 'contact-plan.saved' ORDER BY id",
    )
    assert [(a["actor"], a["municipality"]) for a in audit] == [("admin-0363", "0363")] * 2
    # Another municipality's plan, another role, no token.
    other = httpx.put(plan_url(platform, "0518"), json=PLAN, headers=admin)
    assert other.status_code == 403
    assert other.headers["content-type"].startswith(PROBLEM)
    worker = staff_headers(platform, "vroegsignaleerder-0363")
    assert httpx.put(plan_url(platform), json=PLAN, headers=worker).status_code == 403
    assert httpx.get(plan_url(platform)).status_code == 401
    assert httpx.get(plan_url(platform), headers=admin).json()["version"] == 2


FACTS = CaseFacts(
    opened_on=date(2026, 12, 4),  # a Friday
    crisis=False,
    minors=False,
    flags=frozenset(),
    total_amount=Decimal("400.00"),
    phone_known=True,
    email_known=False,
    address_known=True,
)


@pytest.mark.parametrize(
    ("step", "facts", "skip"),
    [
        (Step(ContactKind.SMS_WHATSAPP, 0, Criteria(phone_known=True)), FACTS, None),
        (Step(ContactKind.SMS_WHATSAPP, 0), replace(FACTS, phone_known=False), Skip.NO_CONTACT),
        (Step(ContactKind.EMAIL, 0, Criteria(email_known=True)), FACTS, Skip.CRITERIA),
        (Step(ContactKind.TELEFOON, 0, Criteria(amount_over=Decimal(400))), FACTS, Skip.CRITERIA),
        (Step(ContactKind.TELEFOON, 0, Criteria(amount_over=Decimal(399))), FACTS, None),
        (Step(ContactKind.HUISBEZOEK, 0, Criteria(crisis=True)), FACTS, Skip.CRITERIA),
        (Step(ContactKind.HUISBEZOEK, 0, Criteria(minors=False)), FACTS, None),
        (
            Step(ContactKind.HUISBEZOEK, 0),
            replace(FACTS, flags=frozenset({CaseFlag.ONDERNEMER})),
            Skip.ONDERNEMER,
        ),
        (Step(ContactKind.BRIEF, 0), replace(FACTS, address_known=False), Skip.NO_CONTACT),
    ],
)
def test_r_fu_3_criteria_decide_whether_a_step_is_for_the_case(
    step: Step, facts: CaseFacts, skip: Skip | None
) -> None:
    [planned] = contact_plan.plan([step], facts, ())
    assert planned.skip == skip


def test_r_fu_3_a_step_s_day_counts_working_days_from_the_opening() -> None:
    steps = [Step(ContactKind.BRIEF, 0), Step(ContactKind.EMAIL, 1), Step(ContactKind.TELEFOON, 1)]
    facts = replace(FACTS, email_known=True)
    planned = contact_plan.plan(steps, facts, ())
    # Friday 4 December: the letter that day, the e-mail on Monday the 7th.
    assert [p.due_on for p in planned] == [date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 7)]
    assert contact_plan.due_automatic(planned, date(2026, 12, 6)) == [steps[0]]
    # The call is a person's task, never sent.
    assert contact_plan.due_automatic(planned, date(2026, 12, 7)) == steps[:2]


async def test_contacts_that_come_together_keep_each_case_s_latest_and_its_closing(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["idp-standin", "followup"])
    closed, moved = opened(), opened()
    await publish(isolation.kafka, isolation.topic(CASE_OPENED.name), [closed, moved])
    await eventually(
        lambda: fetch(isolation.database_url, "SELECT 1 FROM followup.cases"),
        lambda rows: len(rows) == 2,
    )
    await execute(
        isolation.database_url,
        f"UPDATE followup.cases SET status = 'CLOSED', closed_at = now() "
        f"WHERE case_id = '{closed.case_id}'",
    )
    # One partition, one produce: one batch, with the second case's newer contacts before its
    # older ones.
    topic = isolation.topic(CASE_CONTACTS.name)
    told = [
        contacts(closed, phone="0611111111"),
        contacts(moved, phone="0622222222").model_copy(update={"version": 3}),
        contacts(moved, phone="0633333333").model_copy(update={"version": 2}),
    ]
    await produce(
        isolation.kafka,
        [encode(e, topic=topic, source="/tests", trace={}) for e in told],
        partition=0,
        together=True,
    )
    rows = await eventually(
        lambda: fetch(
            isolation.database_url,
            "SELECT case_id, version, phone, case_closed_at FROM followup.case_contacts",
        ),
        lambda rows: len(rows) == 2,
    )
    kept = {r["case_id"]: (r["version"], r["phone"], r["case_closed_at"]) for r in rows}
    assert kept[moved.case_id] == (3, "0622222222", None)
    assert kept[closed.case_id][:2] == (closed.state.version, "0611111111")
    assert kept[closed.case_id][2] is not None  # its retention clock runs from the closing
    # Kept as one batch: not one by one after the batch failed (the rows would be the same).
    assert "failed together" not in platform["followup"].tail(10**7)


async def test_r_mat_5_the_resident_s_contacts_are_erased_counted_from_the_case_s_closing(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform({"VROEG_RETENTION_INTERVAL_S": "0.5"})
    platform.start(["idp-standin", "followup"])
    closing, open_case = opened(), opened()
    await publish(isolation.kafka, isolation.topic(CASE_OPENED.name), [closing, open_case])
    await publish(
        isolation.kafka,
        isolation.topic(CASE_CONTACTS.name),
        [contacts(c, phone="0612345678") for c in (closing, open_case)],
    )
    kept = await eventually(
        lambda: fetch(isolation.database_url, "SELECT * FROM followup.case_contacts"),
        lambda rows: len(rows) == 2,
    )
    assert {(r["name"], r["address"]) for r in kept} == {
        (NAME, "Ĳsselstraat 12 bis\n1011 AB  AMSTERDAM")
    }
    # The two topics are consumed independently: the contacts may be kept before the case opens.
    await eventually(
        lambda: fetch(isolation.database_url, "SELECT 1 FROM followup.cases"),
        lambda rows: len(rows) == 2,
    )
    worker = staff_headers(platform, "vroegsignaleerder-0363")
    path = f"{platform['followup'].url}/v1/meldingen/{closing.case_id}"
    today = date.today().isoformat()
    call = {"kind": "TELEFOON", "attemptedOn": today, "result": "BEREIKT"}
    assert httpx.post(f"{path}/contactpogingen", json=call, headers=worker).status_code == 201
    outcome = {"category": "WIL_HULP", "detail": "QUICK_FIX"}
    assert httpx.post(f"{path}/uitkomst", json=outcome, headers=worker).status_code == 201
    # Seven months after the closing (the default policy keeps 6).
    await execute(
        isolation.database_url,
        "UPDATE followup.case_contacts SET case_closed_at = case_closed_at - interval '7 months' "
        "WHERE case_closed_at IS NOT NULL",
    )
    rows = await eventually(
        lambda: fetch(
            isolation.database_url,
            "SELECT case_id, name, address, phone, email FROM followup.case_contacts",
        ),
        lambda rows: any(r["name"] is None for r in rows),
    )
    state = {r["case_id"]: (r["name"], r["address"], r["phone"]) for r in rows}
    assert state[closing.case_id] == (None, None, None)
    assert state[open_case.case_id][0] == NAME
