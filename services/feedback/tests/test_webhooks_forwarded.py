"""Feedback on a signal another municipality forwarded here goes back to the forwarder, which
tells its creditor as its own (Awb 2:3); it is never pushed from here to the creditor's
webhook — that would tell the creditor where the resident moved, and tell it twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish
from tests.support.webhooks import MovableClock, creditor, deliveries, feedback_for, started
from vroeg.shared.events import RefusalReason, SignalRefused
from vroeg.shared.topics import SIGNAL_REFUSED


async def test_feedback_on_a_forwarded_signal_is_not_pushed_to_the_creditor_s_webhook(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    clock = MovableClock(tmp_path / "clock")
    platform = started(make_platform, clock)
    woonstad = await creditor(isolation, platform, "woonstad")
    woonstad.register()

    # Refused here after 0518 forwarded it: NIET_OPGEPAKT, for 0518 to fetch.
    forwarded = SignalRefused(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        signal_id=uuid4(),
        vlp_id="woonstad",
        vlp_reference="woonstad-verhuisd-1",
        reason=RefusalReason.ONDER_DREMPEL,
        rule="R-IN-4",
        policy_version=0,
        forwarded_by="0518",
    )
    await publish(isolation.kafka, isolation.topic(SIGNAL_REFUSED.name), [forwarded])
    [recorded] = await eventually(
        lambda: fetch(
            isolation.database_url,
            "SELECT id, forwarded_by FROM feedback.feedback WHERE signal_id = $1",
            forwarded.signal_id,
        ),
        lambda rows: len(rows) == 1,
    )
    assert recorded["forwarded_by"] == "0518"
    # Feedback on the creditor's own signal after it still comes; the forwarded one never.
    [own] = await feedback_for(isolation, woonstad)
    await woonstad.received_when(bool)
    await asyncio.sleep(1)
    assert [r["webhookId"] for r in woonstad.received()] == [str(own)]
    assert set(await deliveries(isolation)) == {own}
