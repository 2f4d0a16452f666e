"""R-MAT-5 for the SHV queue: the resident's name and BSN and what the professional did are
erased when the policy says — counted from the handling, or from receipt while the item is
open — and the facts stay."""

from __future__ import annotations

import httpx

from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import publish
from tests.support.signals import routed_signal
from vroeg.shared.events import DebtHelpStanding, Route
from vroeg.shared.topics import ROUTE_TOPICS


async def test_an_shv_items_personal_data_is_erased_when_due_and_its_facts_stay(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    handled, fresh = (
        routed_signal(route=Route.DEBT_HELP).model_copy(
            update={"bsn": "999993653", "debt_help": DebtHelpStanding.ACTIVE}
        )
        for _ in range(2)
    )
    platform = make_platform({"VROEG_RETENTION_INTERVAL_S": "0.5"})
    platform.start(["idp-standin", "followup"])
    await publish(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.DEBT_HELP].name), [handled, fresh]
    )
    query = (
        "SELECT signal_id, name, bsn, action_taken, outcome_detail, amount FROM followup.shv_items"
    )
    await eventually(lambda: fetch(isolation.database_url, query), lambda rows: len(rows) == 2)
    done = httpx.post(
        f"{platform['followup'].url}/v1/shv/{handled.signal.signal_id}/afhandeling",
        json={"actionTaken": "Bekend bij de kredietbank", "category": "BEKEND_BIJ_SHV"},
        headers=staff_headers(platform, "shv-0363"),
    )
    assert done.status_code == 201, done.text

    # Handled seven months ago (the default policy keeps six).
    await execute(
        isolation.database_url,
        "UPDATE followup.shv_items SET received_at = received_at - interval '8 months', "
        "handled_at = handled_at - interval '7 months' WHERE signal_id = $1",
        handled.signal.signal_id,
    )
    rows = await eventually(
        lambda: fetch(isolation.database_url, query),
        lambda rows: any(r["name"] is None for r in rows),
    )
    by_id = {r["signal_id"]: r for r in rows}
    old, kept = by_id[handled.signal.signal_id], by_id[fresh.signal.signal_id]
    assert (old["name"], old["bsn"], old["action_taken"]) == (None, None, None)
    assert (old["outcome_detail"], str(old["amount"])) == ("BEKEND_BIJ_SHV", "412.00")
    assert (kept["name"], kept["bsn"]) == ("Jansen", "999993653")
