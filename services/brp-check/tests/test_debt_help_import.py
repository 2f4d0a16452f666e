"""The debt-help import (R-BRP-4) through brp-check's API, and what it does to routing."""

from __future__ import annotations

from datetime import date

import httpx

from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import produce, read_events
from tests.support.signals import resident_signal
from vroeg.brp_check.settings import DEVELOPMENT_IMPORT_KEY
from vroeg.shared.cloudevents import encode
from vroeg.shared.events import Route, SignalRouted
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED

JANSEN = "999990019"  # Piet Jansen of the demo population, resident of 0363


async def test_a_resident_in_the_imported_register_is_routed_to_debt_help(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["brp-standin", "brp-check"])
    url = f"{platform['brp-check'].url}/v1/schuldhulp/0363/registraties"
    register = {
        "registraties": [
            {"bsn": JANSEN, "activeProduct": False, "finalDecisionOn": date.today().isoformat()},
        ]
    }
    denied = httpx.put(url, json=register, headers={"X-Api-Key": "wrong"})
    assert denied.status_code == 401
    imported = httpx.put(url, json=register, headers={"X-Api-Key": DEVELOPMENT_IMPORT_KEY})
    assert imported.json() == {"municipality": "0363", "count": 1}
    twice = {"registraties": register["registraties"] * 2}
    assert (
        httpx.put(url, json=twice, headers={"X-Api-Key": DEVELOPMENT_IMPORT_KEY}).status_code == 400
    )

    event = resident_signal(1)
    topic = isolation.topic(SIGNAL_RECEIVED.name)
    await produce(isolation.kafka, [encode(event, topic=topic, source="/tests", trace={})])
    [routed] = await read_events(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.DEBT_HELP].name), expect=1
    )
    assert isinstance(routed, SignalRouted)
    assert routed.signal.signal_id == event.signal.signal_id
    assert routed.reasons == ("R-BRP-4: known to debt help",)
