"""The matcher's HTTP API as a process: a municipality's priority policy, versioned and audited
(R-MAT-4, role admin), and the case detail for case workers (domain §10: their municipality's
cases only, each read audited)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest

from tests.support.cases import MatcherUnderTest, household, routed
from tests.support.db import fetch
from tests.support.fixtures import staff_headers
from vroeg.shared.events import CaseOpened, CaseStatus, SignalKind, VlpType

NOW = datetime.now(UTC)
PROBLEM = "application/problem+json"


async def audit(matcher: MatcherUnderTest, action: str) -> list[dict[str, Any]]:
    rows = await fetch(
        matcher.iso.database_url,
        "SELECT actor, municipality, case_id, details FROM matcher.audit_log "
        "WHERE action = $1 ORDER BY id",
        action,
    )
    return [{**r, "details": json.loads(r["details"])} for r in rows]


@pytest.mark.parametrize(
    "body",
    [
        {"weights": {"rent": "-1"}},
        {"weights": {"rent": "1001"}},
        {"weights": {"bogus": "1"}},
        {"vulnerableAreas": ["0123"]},
        {"vulnerableAreas": "1012"},
        {"surprise": True},
    ],
)
def test_r_mat_4_a_bad_priority_policy_is_a_400_problem_and_saves_nothing(
    matcher: MatcherUnderTest, body: dict[str, Any]
) -> None:
    url = f"{matcher.url}/beheer/gemeenten/0363/prioriteit"
    admin = staff_headers(matcher.platform, "admin-0363")
    before = httpx.get(url, headers=admin).json()["version"]
    refused = httpx.put(url, json=body, headers=admin)
    assert refused.status_code == 400, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert httpx.get(url, headers=admin).json()["version"] == before


async def test_r_mat_4_a_saved_priority_policy_is_versioned_audited_and_named_by_the_next_score(
    matcher: MatcherUnderTest,
) -> None:
    url = f"{matcher.url}/beheer/gemeenten/0363/prioriteit"
    admin = staff_headers(matcher.platform, "admin-0363")
    assert httpx.get(url, headers=admin).json()["version"] == 0
    body = {"weights": {"rent": "40", "vulnerableArea": "7.5"}, "vulnerableAreas": ["1012", "1012"]}
    saved = httpx.put(url, json=body, headers=admin)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["version"], saved.json()["vulnerableAreas"]) == (1, ["1012"])
    current = httpx.get(url, headers=admin).json()
    assert current["version"] == 1
    assert Decimal(current["weights"]["rent"]) == 40
    assert Decimal(current["weights"]["perCreditorType"]) == 10  # the default where not given
    [entry] = await audit(matcher, "priority-policy.saved")
    assert (entry["actor"], entry["municipality"], entry["details"]["version"]) == (
        "admin-0363",
        "0363",
        1,
    )
    # Another municipality's policy, another role, no token.
    other = httpx.put(f"{matcher.url}/beheer/gemeenten/0518/prioriteit", json={}, headers=admin)
    assert other.status_code == 403
    assert other.headers["content-type"].startswith(PROBLEM)
    worker = staff_headers(matcher.platform, "vroegsignaleerder-0363")
    assert httpx.put(url, json={}, headers=worker).status_code == 403
    assert httpx.get(url).status_code == 401

    # The next case is scored with it, and says so.
    home = household()
    await matcher.route(routed(household=home))
    [case] = await matcher.cases(home, signals=1)
    [opened] = await matcher.events(case["id"])
    assert isinstance(opened, CaseOpened)
    parts = {p.name: (p.measured, p.points) for p in opened.state.priority.parts}
    assert opened.state.priority.policy_version == 1
    assert parts["rent_arrears"] == (1, Decimal("40.00"))
    assert parts["vulnerable_area"] == (1, Decimal("7.50"))


async def test_the_case_detail_shows_the_case_worker_its_signals_history_and_score_audited(
    matcher: MatcherUnderTest,
) -> None:
    home, elsewhere = household(), household()
    before = routed(household=home, received=NOW - timedelta(days=30))
    await matcher.route(before)
    [earlier] = await matcher.cases(home, signals=1)
    await matcher.close(earlier["id"], [before.signal.signal_id])
    await matcher.status(earlier["id"], CaseStatus.CLOSED)
    rent = routed(household=home, received=NOW - timedelta(days=2), size=3, minors=True)
    water = routed(
        household=home,
        vlp="waternet",
        vlp_type=VlpType.DRINKWATER,
        kind=SignalKind.AFSLUITING,
        business_name="Jansen Loodgieters",
        received=NOW - timedelta(days=1),
        size=3,
        minors=True,
    )
    await matcher.route(rent, water)
    _, case = await matcher.cases(home, signals=3)
    await matcher.route(routed(household=elsewhere, municipality="0518"))
    [theirs] = await matcher.cases(elsewhere, signals=1)

    url = f"{matcher.url}/meldingen/{case['id']}"
    worker = staff_headers(matcher.platform, "vroegsignaleerder-0363")
    shown = httpx.get(url, headers=worker)
    assert shown.status_code == 200, shown.text
    detail = shown.json()
    assert (detail["id"], detail["status"], detail["crisis"]) == (str(case["id"]), "OPEN", True)
    assert detail["flags"] == ["ONDERNEMER"]
    assert [s["signalId"] for s in detail["signals"]] == [
        str(rent.signal.signal_id),
        str(water.signal.signal_id),
    ]
    assert detail["signals"][0]["debtor"]["geslachtsnaam"] == "Jansen"
    assert detail["signals"][1]["businessName"] == "Jansen Loodgieters"
    assert detail["household"] == {"size": 3, "minorsPresent": True, "postcodeArea": "1012"}
    recidive = detail["recidive"]
    assert (recidive["recidive"], recidive["consecutive"]) == (True, True)
    assert (recidive["previousCaseId"], recidive["previousOutcome"]) == (
        str(earlier["id"]),
        "WIL_HULP",
    )
    [history] = recidive["history"]
    assert (history["id"], history["status"], history["outcomeDetail"]) == (
        str(earlier["id"]),
        "CLOSED",
        "QUICK_FIX",
    )
    score = detail["priority"]
    assert score["crisis"] is True
    assert [p["name"] for p in score["parts"]] == [
        "creditor_types",
        "total_arrears",
        "rent_arrears",
        "minors",
        "oldest_claim_months",
        "recidive",
        "vulnerable_area",
    ]
    assert Decimal(score["score"]) == sum(Decimal(p["points"]) for p in score["parts"])
    assert isinstance(score["policyVersion"], int)
    # The read is audited: who, which case, nothing personal.
    [entry] = [e for e in await audit(matcher, "case.opened") if e["case_id"] == case["id"]]
    assert (entry["actor"], entry["municipality"], entry["details"]) == (
        "vroegsignaleerder-0363",
        "0363",
        {"signals": 2},
    )

    # No token, a role without case work, another municipality's case, no such case.
    refused = {
        "no token": httpx.get(url),
        "analyst": httpx.get(url, headers=staff_headers(matcher.platform, "analyst-0363")),
        "0518's case": httpx.get(f"{matcher.url}/meldingen/{theirs['id']}", headers=worker),
        "unknown": httpx.get(f"{matcher.url}/meldingen/{uuid4()}", headers=worker),
        "not an id": httpx.get(f"{matcher.url}/meldingen/12", headers=worker),
    }
    assert {name: r.status_code for name, r in refused.items()} == {
        "no token": 401,
        "analyst": 403,
        "0518's case": 404,
        "unknown": 404,
        "not an id": 400,
    }
    assert all(r.headers["content-type"].startswith(PROBLEM) for r in refused.values())
    assert [e["case_id"] for e in await audit(matcher, "case.opened")] == [case["id"]]
