"""feedback's forwarding worker (Awb 2:3) against a receiving deployment the test plays itself
(`FakeReceiver`), with the routes published as brp-check would:

- a chain A → B → C: a signal 0518 forwarded here (0363) whose debtor lives in 0599 is
  forwarded on; what is said of it here (NIET_WOONACHTIG doorgestuurd) and what 0599 says later
  goes back to 0518, the forwarder, never to the creditor's key here;
- a receiving intake that answers 401 (its key rotated) is a fault of the registry's entry, not
  a refusal of the signal: the forward waits, counted, and goes once the entry is mended;
- no transaction stays open while the receiving intake answers: a creditor's own feed goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from tests.support.db import eventually, fetch
from tests.support.feedback import KeyOf, issue_keys, poll_until
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.forwarding import (
    FAST_RETRIES,
    HOLD_S,
    FakeReceiver,
    creditor_feedback,
    enter_rotterdam,
    feedback_knows,
    item,
)
from tests.support.kafka import publish
from tests.support.metrics import scrape, value
from tests.support.signals import jansen_signal
from vroeg.deploy.processes import Platform
from vroeg.shared.creditor_keys import new_key
from vroeg.shared.events import (
    KeyHolderKind,
    RefusalReason,
    Route,
    SignalRefused,
    SignalRouted,
)
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_REFUSED

FAST = {**FAST_RETRIES, "VROEG_FORWARDED_FEEDBACK_INTERVAL_S": "0.2"}
PAUSE_END = (date.today() + timedelta(days=30)).isoformat()


@pytest.fixture
def receiver() -> Iterator[FakeReceiver]:
    fake = FakeReceiver()
    fake.start()
    yield fake
    fake.answering.set()
    fake.stop()


def started(make_platform: PlatformFactory, **env: str) -> Platform:
    platform = make_platform({**FAST, **env}, served=("0363",))
    platform.start(["intake", "feedback"])
    return platform


async def relocated(
    isolation: Isolation, *, forwarded_by: str | None = None, vlp: str = "woonstad"
) -> UUID:
    """brp-check's route: the signal's debtor lives in 0599 (forwarded here by `forwarded_by`)."""
    signal = jansen_signal(vlp=vlp).model_copy(update={"forwarded_by": forwarded_by})
    routed = SignalRouted(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        route=Route.RELOCATED,
        reasons=("R-BRP-1: registered in municipality 0599",),
        signal=signal,
        registered_municipality="0599",
        destination_known=True,
    )
    await publish(isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RELOCATED].name), [routed])
    return signal.signal_id


async def forward_of(isolation: Isolation, signal_id: UUID) -> list[Any]:
    return await fetch(
        isolation.database_url,
        "SELECT status, attempts, last_error, forwarded_by FROM feedback.forwards "
        "WHERE signal_id = $1",
        signal_id,
    )


async def polled(platform: Platform, key: KeyOf, count: int) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=platform["feedback"].url) as http:
        items, _ = await poll_until(http, key, count)
    return items


async def test_a_signal_forwarded_here_that_moved_on_is_told_to_the_forwarder_not_the_creditor(
    make_platform: PlatformFactory, isolation: Isolation
) -> None:
    platform = make_platform(FAST, served=("0363",))
    platform.start(["feedback"])
    [woonstad] = await issue_keys(isolation, "woonstad")
    [leiden] = await issue_keys(isolation, "0518", kind=KeyHolderKind.MUNICIPALITY)
    # 0599 is in no registry here: not forwarded on, and the one who sent it here hears so.
    signal_id = await relocated(isolation, forwarded_by="0518")

    [told] = await polled(platform, leiden, 1)
    assert (told["signalId"], told["feedbackType"], told["doorgestuurd"]) == (
        str(signal_id),
        "NIET_WOONACHTIG",
        False,
    )
    [forward] = await forward_of(isolation, signal_id)
    assert (forward["status"], forward["forwarded_by"]) == ("NOT_FORWARDED", "0518")
    # Served to 0518 by now: the creditor's key here would have read it, were it its.
    assert await polled(platform, woonstad, 0) == []


async def test_what_the_next_municipality_says_of_a_chained_forward_goes_back_to_the_forwarder(
    make_platform: PlatformFactory, isolation: Isolation, receiver: FakeReceiver
) -> None:
    platform = started(make_platform)
    enter_rotterdam(
        platform, receiver.url, served_here=False, feedback_url=receiver.url, key=receiver.key
    )
    await feedback_knows(isolation, "0599")
    woonstad, _ = await issue_keys(isolation, "woonstad", "waternet")
    [leiden] = await issue_keys(isolation, "0518", kind=KeyHolderKind.MUNICIPALITY)
    signal_id = await relocated(isolation, forwarded_by="0518")

    [forwarded] = await polled(platform, leiden, 1)
    assert (forwarded["feedbackType"], forwarded["doorgestuurd"]) == ("NIET_WOONACHTIG", True)
    [remote] = receiver.ids
    # 0599 accepts the help; the forwarder here relays it to 0518, which forwarded it here.
    receiver.add(item(remote, "HULP_GEACCEPTEERD", collectionPausedUntil=PAUSE_END))
    items = await polled(platform, leiden, 2)
    assert [(i["signalId"], i["feedbackType"]) for i in items] == [
        (str(signal_id), "NIET_WOONACHTIG"),
        (str(signal_id), "HULP_GEACCEPTEERD"),
    ]
    assert await polled(platform, woonstad, 0) == []


async def test_a_receiving_intake_answering_401_keeps_the_forward_until_the_entry_is_mended(
    make_platform: PlatformFactory, isolation: Isolation, receiver: FakeReceiver
) -> None:
    platform = started(make_platform)
    # The registry still holds the key 0599 rotated away: its intake answers 401.
    stale = new_key().api_key
    enter_rotterdam(platform, receiver.url, served_here=False, key=stale)
    await feedback_knows(isolation, "0599")
    signal_id = await relocated(isolation)

    [waiting] = await eventually(
        lambda: forward_of(isolation, signal_id), lambda f: bool(f) and f[0]["attempts"] >= 2
    )
    assert (waiting["status"], waiting["last_error"]) == ("WAITING", "HTTP 401")
    assert await creditor_feedback(isolation, str(signal_id)) == []
    # The attempts go up when a forward is claimed, before its POST; the failures once its
    # answer is recorded.
    samples = await eventually(
        lambda: scrape(platform["feedback"].url),
        lambda s: (value(s, "vroeg_forward_failures_total", destination="0599") or 0) >= 2,
    )
    failures = value(samples, "vroeg_forward_failures_total", destination="0599")
    assert (failures or 0) >= 2

    # The entry mended: the next retry goes through, once.
    enter_rotterdam(platform, receiver.url, served_here=False, key=receiver.key)
    [told] = await eventually(lambda: creditor_feedback(isolation, str(signal_id)), bool)
    assert (told["feedback_type"], told["doorgestuurd"]) == ("NIET_WOONACHTIG", True)
    [forward] = await forward_of(isolation, signal_id)
    assert forward["status"] == "FORWARDED"
    assert len(receiver.ids) == 1


async def test_a_receiving_intake_that_answers_slowly_holds_back_no_creditor_s_feed(
    make_platform: PlatformFactory, isolation: Isolation, receiver: FakeReceiver
) -> None:
    # The post may take longer than the test waits for the other creditor's feedback.
    platform = started(make_platform, VROEG_FORWARDING_TIMEOUT_S=str(HOLD_S + 30))
    enter_rotterdam(platform, receiver.url, served_here=False, key=receiver.key)
    await feedback_knows(isolation, "0599")
    woonstad, waternet = await issue_keys(isolation, "woonstad", "waternet")
    receiver.answering.clear()
    signal_id = await relocated(isolation)
    await eventually(lambda: _async(receiver.post_count), lambda posts: posts >= 1)
    assert receiver.post_count() == 1

    # While 0599's intake has not answered, waternet's own feedback reaches it.
    refused = SignalRefused(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        signal_id=uuid4(),
        vlp_id="waternet",
        vlp_reference="wn-1",
        reason=RefusalReason.ONDER_DREMPEL,
        rule="R-IN-4",
        policy_version=0,
    )
    await publish(isolation.kafka, isolation.topic(SIGNAL_REFUSED.name), [refused])
    heard = await polled(platform, waternet, 1)
    assert [i["signalId"] for i in heard] == [str(refused.signal_id)]
    [forward] = await forward_of(isolation, signal_id)
    assert forward["status"] == "WAITING"  # the post still unanswered

    receiver.answering.set()
    [told] = await polled(platform, woonstad, 1)
    assert (told["signalId"], told["doorgestuurd"]) == (str(signal_id), True)


async def _async(probe: Any) -> Any:
    return probe()
