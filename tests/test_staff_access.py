"""Staff reads of every service want a token, a role that fits, and the record's municipality
(domain §10): another municipality's record is not found, its aggregates are forbidden."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx

from tests.support.db import eventually
from tests.support.fixtures import Isolation, PlatformFactory, creditor_key, staff_headers
from tests.support.kafka import read_events
from tests.support.monitor import figures, this_month
from vroeg.shared.events import CaseOpened
from vroeg.shared.topics import CASE_OPENED

ACCOUNTS = {
    "vroegsignaleerder-0363": (["vroegsignaleerder"], ["0363"]),
    "vroegsignaleerder-0518": (["vroegsignaleerder"], ["0518"]),
    "analyst-0363": (["analyst"], ["0363"]),
    "analyst-0518": (["analyst"], ["0518"]),
}
BAKKER = {  # moved to Rotterdam: the route's reasons name 0599, which a creditor may never learn
    "vlpReference": "staff-access-1",
    "municipality": "0363",
    "kind": "VROEGSIGNAAL",
    "arrearsType": "HUUR",
    "signalDate": "2026-11-27",
    "debtor": {"geslachtsnaam": "Bakker", "geboortedatum": "1975-07-07"},
    "address": {"postcode": "1012AB", "huisnummer": 8},
    "amount": "412.00",
    "oldestDueDate": "2026-09-01",
    "socialCollection": {
        "writtenReminder": True,
        "personalContactAttempt": True,
        "debtHelpReferral": True,
        "dataSharingOffer": True,
    },
}
JANSEN = {
    **BAKKER,
    "vlpReference": "staff-access-2",
    "debtor": {"geslachtsnaam": "Jansen", "geboortedatum": "1980-05-01"},
    "address": {"postcode": "1012AB", "huisnummer": 1},
}
VISSER = {  # emigrated: the creditor hears NIET_WOONACHTIG, not forwarded, at once
    **BAKKER,
    "vlpReference": "staff-access-3",
    "debtor": {"geslachtsnaam": "Visser", "geboortedatum": "1990-11-11"},
    "address": {"postcode": "1012AD", "huisnummer": 7},
}


async def test_staff_reads_are_scoped_to_role_and_municipality(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    users = [
        {"username": u, "password": u, "name": u, "roles": r, "gemeenten": g}
        for u, (r, g) in ACCOUNTS.items()
    ]
    (tmp_path / "users.json").write_text(json.dumps(users))
    platform = make_platform()
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(tmp_path / "users.json")
    platform.start()
    key = await creditor_key(platform["intake"].url)
    ids = []
    for body in (BAKKER, JANSEN, VISSER):
        posted = httpx.post(
            f"{platform['intake'].url}/v1/signalen", json=body, headers={"X-Api-Key": key}
        )
        assert posted.status_code == 201, posted.text
        ids.append(posted.json()["id"])
    [case] = await read_events(isolation.kafka, isolation.topic(CASE_OPENED.name), expect=1)
    assert isinstance(case, CaseOpened)
    bakker, jansen, visser = ids
    headers = {account: staff_headers(platform, account) for account in ACCOUNTS}

    def get(service: str, path: str, account: str | None) -> httpx.Response:
        return httpx.get(
            f"{platform[service].url}/v1{path}", headers=headers[account] if account else {}
        )

    # The signals are through: routed, and the creditor's feedback on Visser recorded.
    await eventually(
        lambda: asyncio.to_thread(
            get, "feedback", f"/signalen/{visser}/terugkoppelingen", "vroegsignaleerder-0363"
        ),
        lambda r: r.status_code == 200 and r.json() != [],
    )

    # Records: their own municipality's staff read them; the other municipality's get 404,
    # a role that does not fit gets 403, no token 401.
    records = (
        ("brp-check", f"/signalen/{bakker}/route"),
        ("matcher", f"/meldingen/{case.case_id}"),
        ("followup", f"/meldingen/{case.case_id}/termijn"),
    )
    # Each service takes its part from topics (and partitions) of its own, in any order.
    for service, path in records:
        await eventually(
            lambda s=service, p=path: asyncio.to_thread(get, s, p, "vroegsignaleerder-0363"),
            lambda r: r.status_code == 200,
        )
    for service, path in records:
        assert get(service, path, None).status_code == 401, path
        assert get(service, path, "analyst-0363").status_code == 403, path
        assert get(service, path, "vroegsignaleerder-0518").status_code == 404, path
        allowed = get(service, path, "vroegsignaleerder-0363")
        assert allowed.status_code == 200, (path, allowed.text)
    route = get("brp-check", f"/signalen/{bakker}/route", "vroegsignaleerder-0363").json()
    assert route["route"] == "relocated"

    feedback = f"/signalen/{visser}/terugkoppelingen"
    assert [
        (f["feedbackType"], f["doorgestuurd"])
        for f in get("feedback", feedback, "vroegsignaleerder-0363").json()
    ] == [("NIET_WOONACHTIG", False)]
    assert get("feedback", feedback, "vroegsignaleerder-0518").json() == []
    assert get("feedback", f"/signalen/{jansen}/terugkoppelingen", None).status_code == 401

    # Aggregates: analysts of the municipality only.
    counts = f"/indicatorwaarden?periode={this_month()}&gemeente=0363"
    counted = await eventually(
        lambda: asyncio.to_thread(get, "reporting", counts, "analyst-0363"),
        lambda r: bool(figures(r.json()).get(("signalen", "0363", None))),
    )
    assert figures(counted.json())[("signalen", "0363", None)]
    assert get("reporting", counts, "analyst-0518").status_code == 403
    assert get("reporting", counts, "vroegsignaleerder-0363").status_code == 403
