"""brp-check asks the BRP inside its handler, so it handles each signal in a transaction of its
own: a partition's polled signals never share one held open across all their BRP calls."""

from __future__ import annotations

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import produce
from tests.support.signals import resident_signal
from vroeg.shared.cloudevents import encode
from vroeg.shared.topics import SIGNAL_RECEIVED


async def test_signals_polled_together_are_each_handled_in_a_transaction_of_their_own(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["brp-standin", "brp-check"])
    platform["brp-check"].stop()
    topic = isolation.topic(SIGNAL_RECEIVED.name)
    signals = [resident_signal(n) for n in range(30)]
    # Waiting on one partition when brp-check starts again, so they are polled together.
    await produce(
        isolation.kafka,
        [encode(s, topic=topic, source="/tests", trace={}) for s in signals],
        partition=0,
    )
    platform.start(["brp-check"])

    query = (
        "SELECT count(DISTINCT processed_at) AS n, count(*) AS c FROM brp_check.processed_events"
    )
    rows = await eventually(lambda: fetch(isolation.database_url, query), lambda r: r[0]["c"] >= 30)
    # An inbox row carries its transaction's start: 30 transactions, one per signal.
    assert rows[0]["c"] == 30
    assert rows[0]["n"] == 30
