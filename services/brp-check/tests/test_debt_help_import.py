"""The debt-help import (R-BRP-4) through brp-check's API, and what it does to routing."""

from __future__ import annotations

import httpx

from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_events
from tests.support.signals import resident_signal
from vroeg.brp_check.settings import DEVELOPMENT_IMPORT_KEY
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
            # A final decision long ago: on its own, this would not route him to debt help.
            {"bsn": JANSEN, "activeProduct": False, "finalDecisionOn": "2025-01-31"},
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

    # The administration's CSV export replaces the register the same way (semicolons, ja/nee,
    # a byte-order mark, as spreadsheets write it); in it Jansen has an active product, which
    # is what routes him to debt help below. The refused CSVs after it change nothing.
    csv_headers = {"X-Api-Key": DEVELOPMENT_IMPORT_KEY, "Content-Type": "text/csv"}
    export = (
        f"\ufeffbsn;activeProduct;finalDecisionOn\r\n{JANSEN};ja;2025-01-31\r\n999990032;nee;\r\n"
    )
    imported = httpx.put(url, content=export.encode(), headers=csv_headers)
    assert imported.json() == {"municipality": "0363", "count": 2}, imported.text
    for bad, complaint in (
        ("bsn,active,decided\n", "header"),
        (f"bsn,activeProduct,finalDecisionOn\n{JANSEN},true\n", "line 2"),
        (f"bsn,activeProduct,finalDecisionOn\n{JANSEN},misschien,\n", "activeProduct"),
        ("bsn,activeProduct,finalDecisionOn\n12345,true,\n", "bsn"),
        (f"bsn,activeProduct,finalDecisionOn\n{JANSEN},true,31-01-2025\n", "finalDecisionOn"),
    ):
        refused = httpx.put(url, content=bad.encode(), headers=csv_headers)
        assert refused.status_code == 400, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert complaint in refused.text

    event = resident_signal(1)
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), [event])
    [routed] = await read_events(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.DEBT_HELP].name), expect=1
    )
    assert isinstance(routed, SignalRouted)
    assert routed.signal.signal_id == event.signal.signal_id
    assert routed.reasons == ("R-BRP-4: known to debt help",)
