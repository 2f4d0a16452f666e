"""Forwarding between two vroeg deployments on one machine (Awb 2:3): Amsterdam's (0363) and
Rotterdam's (0599), each with its own database, topic prefix and BRP stand-in. The BRP places
the creditor's debtor in Rotterdam; Amsterdam forwards the signal to Rotterdam's intake, which
was down for a while; it arrives there once, with its provenance, and is routed there; the
creditor hears NIET_WOONACHTIG `doorgestuurd` from Amsterdam and nothing naming Rotterdam."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from tests.support.db import eventually, fetch
from tests.support.feedback import said
from tests.support.fixtures import (
    Isolation,
    creditor_key,
    isolated,
    platform_for,
    staff_headers,
)
from tests.support.forwarding import (
    ADMIN,
    FAST_RETRIES,
    PROCESSES,
    creditor_feedback,
    deliver,
    enter_rotterdam,
    feedback_knows,
    forwarded_rows,
    staff_forwards,
)
from tests.support.kafka import read_events
from vroeg.deploy import infra
from vroeg.shared.events import CaseOpened, Route, SignalRouted
from vroeg.shared.topics import CASE_OPENED, ROUTE_TOPICS


@pytest.fixture
def deployments(endpoints: infra.Endpoints) -> Iterator[tuple[Isolation, Isolation]]:
    """Two deployments' own databases and topic prefixes: Amsterdam's and Rotterdam's."""
    with isolated(endpoints) as amsterdam, isolated(endpoints) as rotterdam:
        yield amsterdam, rotterdam


async def test_a_relocated_signal_reaches_the_deployment_serving_its_municipality_once(
    deployments: tuple[Isolation, Isolation], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    amsterdam_iso, rotterdam_iso = deployments
    amsterdam = platform_for(amsterdam_iso, tmp_path / "amsterdam", FAST_RETRIES)
    rotterdam = platform_for(rotterdam_iso, tmp_path / "rotterdam", served=("0599",))
    try:
        amsterdam.start(PROCESSES)
        rotterdam.start(["brp-standin", "intake", "brp-check"])
        receiving = rotterdam["intake"]
        # Rotterdam issues Amsterdam's forwarding key; Amsterdam's deployment operator
        # enters where 0599 is served.
        enter_rotterdam(amsterdam, receiving.url, served_here=False)
        await feedback_knows(amsterdam_iso, "0599")
        receiving.stop()  # Rotterdam's intake is down for a while

        signal_id = deliver(amsterdam, await creditor_key(amsterdam["intake"].url))

        async def seen() -> list[dict[str, object]]:
            return staff_forwards(amsterdam)

        waiting = await eventually(seen, lambda f: bool(f) and int(f[0]["attempts"]) >= 2)  # type: ignore[call-overload]
        assert waiting[0]["status"] == "WAITING"
        assert await creditor_feedback(amsterdam_iso, signal_id) == []

        receiving.start()
        receiving.wait_ready()
        [arrived] = await eventually(lambda: forwarded_rows(rotterdam_iso), bool)
        assert (arrived["municipality"], arrived["forwarded_by"]) == ("0599", "0363")
        assert (arrived["vlp_id"], arrived["vlp_reference"]) == ("woonstad", "WS-BAKKER-1")
        assert arrived["original_received_at"] is not None
        routed = await read_events(
            rotterdam_iso.kafka,
            rotterdam_iso.topic(ROUTE_TOPICS[Route.RESIDENT].name),
            expect=1,
        )
        assert [e.municipality for e in routed if isinstance(e, SignalRouted)] == ["0599"]

        [told] = await eventually(lambda: creditor_feedback(amsterdam_iso, signal_id), bool)
        assert (told["feedback_type"], told["doorgestuurd"]) == ("NIET_WOONACHTIG", True)
        assert "0599" not in {str(value) for value in dict(told).values()}
        # Once, and each deployment keeps its own: nothing of Rotterdam's in Amsterdam's.
        assert len(await forwarded_rows(rotterdam_iso)) == 1
        assert await forwarded_rows(amsterdam_iso) == []
        rotterdam_signals = await fetch(rotterdam_iso.database_url, "SELECT id FROM intake.signals")
        assert len(rotterdam_signals) == 1
    finally:
        amsterdam.stop()
        rotterdam.stop()
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            for process in [*amsterdam.processes.values(), *rotterdam.processes.values()]:
                print(f"--- {process.name} log ---\n{process.tail()}")


ROTTERDAM_STAFF = [
    {
        "username": "vroegsignaleerder-0599",
        "password": "vroegsignaleerder-0599",
        "name": "V. Rotterdam",
        "roles": ["vroegsignaleerder"],
        "gemeenten": ["0599"],
    }
]


async def test_the_receiving_deployments_feedback_reaches_the_creditor_through_the_forwarder(
    deployments: tuple[Isolation, Isolation], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Rotterdam's case worker registers help accepted; the creditor, which only ever spoke
    to Amsterdam, hears HULP_GEACCEPTEERD on its own signal there, once, and nothing that
    names Rotterdam (Awb 2:3; contracts.md)."""
    amsterdam_iso, rotterdam_iso = deployments
    amsterdam = platform_for(
        amsterdam_iso,
        tmp_path / "amsterdam",
        {**FAST_RETRIES, "VROEG_FORWARDED_FEEDBACK_INTERVAL_S": "0.2"},
    )
    rotterdam = platform_for(rotterdam_iso, tmp_path / "rotterdam", served=("0599",))
    users = tmp_path / "rotterdam-users.json"
    users.write_text(json.dumps(ROTTERDAM_STAFF))
    rotterdam["idp-standin"].env["VROEG_IDP_USERS"] = str(users)
    try:
        amsterdam.start(PROCESSES)
        rotterdam.start(
            [
                "brp-standin",
                "idp-standin",
                "notify-standin",
                "intake",
                "brp-check",
                "matcher",
                "followup",
                "feedback",
            ]
        )
        enter_rotterdam(
            amsterdam,
            rotterdam["intake"].url,
            served_here=False,
            feedback_url=rotterdam["feedback"].url,
        )
        await feedback_knows(amsterdam_iso, "0599")
        key = await creditor_key(amsterdam["intake"].url)
        signal_id = deliver(amsterdam, key)

        [opened] = await read_events(
            rotterdam_iso.kafka, rotterdam_iso.topic(CASE_OPENED.name), expect=1
        )
        assert isinstance(opened, CaseOpened)

        def poll() -> httpx.Response:
            return httpx.get(
                f"{amsterdam['feedback'].url}/v1/terugkoppelingen", headers={"X-Api-Key": key}
            )

        def hears(feedback_type: str, count: int = 1) -> Callable[[httpx.Response], bool]:
            return lambda response: response.text.count(feedback_type) >= count

        # The creditor sends the same debt again while Rotterdam's case is open: a repeat there
        # (R-IN-5), which §6 lets the creditor hear as NIET_OPGEPAKT HERHAALD_SIGNAAL — from
        # Amsterdam, on its own second signal.
        repeat = deliver(amsterdam, key, "WS-BAKKER-2")
        heard = await eventually(lambda: asyncio.to_thread(poll), hears("NIET_OPGEPAKT"))
        [repeated] = [i for i in heard.json()["items"] if i["feedbackType"] == "NIET_OPGEPAKT"]
        assert (repeated["signalId"], repeated["vlpReference"]) == (repeat, "WS-BAKKER-2")
        assert repeated["reason"] == "HERHAALD_SIGNAAL"

        worker = staff_headers(rotterdam, "vroegsignaleerder-0599")
        followup = f"{rotterdam['followup'].url}/v1/meldingen/{opened.case_id}"
        # Followup learns of the repeat on another topic (CaseUpdated) than the creditor's
        # NIET_OPGEPAKT came: the outcome is for the signals of its case as it knows them.
        queue = await eventually(
            lambda: asyncio.to_thread(
                httpx.get, f"{rotterdam['followup'].url}/v1/meldingen", headers=worker
            ),
            lambda r: (
                r.status_code == 200
                and {i["id"]: i["signalCount"] for i in r.json()["items"]}.get(str(opened.case_id))
                == 2
            ),
        )
        assert queue.status_code == 200, queue.text
        attempt = {
            "kind": "TELEFOON",
            "attemptedOn": date.today().isoformat(),
            "partOfDay": "MIDDAG",
            "result": "BEREIKT",
        }
        called = httpx.post(f"{followup}/contactpogingen", json=attempt, headers=worker)
        assert called.status_code == 201, called.text
        outcome = {"category": "WIL_HULP", "detail": "VERWIJZING_FINANCIEEL"}
        closed = httpx.post(f"{followup}/uitkomst", json=outcome, headers=worker)
        assert closed.status_code == 201, closed.text

        # Help accepted on the case: told on each of its signals, the repeat's too.
        heard = await eventually(
            lambda: asyncio.to_thread(poll), hears("HULP_GEACCEPTEERD", count=2)
        )
        items = heard.json()["items"]
        assert sorted((i["vlpReference"], i["feedbackType"]) for i in items) == [
            ("WS-BAKKER-1", "HULP_GEACCEPTEERD"),
            ("WS-BAKKER-1", "NIET_WOONACHTIG"),
            ("WS-BAKKER-2", "HULP_GEACCEPTEERD"),
            ("WS-BAKKER-2", "NIET_OPGEPAKT"),
            ("WS-BAKKER-2", "NIET_WOONACHTIG"),
        ]
        assert {i["signalId"] for i in items} == {signal_id, repeat}
        helped = [i for i in items if i["feedbackType"] == "HULP_GEACCEPTEERD"]
        assert all(i["collectionPausedUntil"] is not None for i in helped)
        assert "0599" not in said(heard.content)
        assert "rotterdam" not in said(heard.content).lower()

        # Rotterdam's own rules refuse the next forward (R-IN-4): the refusal is addressed to
        # Amsterdam there, and the creditor hears it from Amsterdam on its own signal.
        policy = {"thresholds": {"HUUR": "1000000"}}
        saved = httpx.put(
            f"{rotterdam['intake'].url}/v1/beheer/gemeenten/0599/beleid", json=policy, headers=ADMIN
        )
        assert saved.status_code == 200, saved.text
        third = deliver(amsterdam, key, "WS-BAKKER-3")

        heard = await eventually(lambda: asyncio.to_thread(poll), hears("NIET_OPGEPAKT", 2))
        [refused] = [
            i
            for i in heard.json()["items"]
            if i["feedbackType"] == "NIET_OPGEPAKT" and i["signalId"] == third
        ]
        assert (refused["vlpReference"], refused["reason"]) == ("WS-BAKKER-3", "ONDER_DREMPEL")
        assert "0599" not in said(heard.content)
        # The relay read Rotterdam's feed again for the third: still everything once.
        told = [(i["signalId"], i["feedbackType"]) for i in heard.json()["items"]]
        assert len(told) == len(set(told)) == 7
        # Help accepted (on both) and the refusal are final: the relay asks about none of them.
        ended = await fetch(
            amsterdam_iso.database_url,
            "SELECT vlp_reference FROM feedback.forwards WHERE relay_ended_at IS NOT NULL",
        )
        assert sorted(r["vlp_reference"] for r in ended) == [
            "WS-BAKKER-1",
            "WS-BAKKER-2",
            "WS-BAKKER-3",
        ]
    finally:
        amsterdam.stop()
        rotterdam.stop()
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            for process in [*amsterdam.processes.values(), *rotterdam.processes.values()]:
                print(f"--- {process.name} log ---\n{process.tail()}")
