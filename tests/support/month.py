"""A generated month (bench/realistic.py) on the whole platform: the BRP stand-in holding the
generator's population, brp-check its debt-help registers, creditors registered at intake and
their signals delivered in receipt order, and the review queue decided by a reviewer."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from ground_truth import Truth
from realistic import Generated

from tests.support.db import eventually
from tests.support.fixtures import PlatformFactory, staff_headers
from vroeg.deploy.processes import Platform
from vroeg.deploy.provisioning import register_creditor


def start(
    make_platform: PlatformFactory,
    folder: Path,
    generated: Generated,
    *,
    persons: int,
    seed: int,
    users: list[tuple[str, list[str], list[str]]],
    services: list[str],
) -> Platform:
    """The platform for the generated month's municipalities, with `users` (name, roles,
    municipalities) at the identity-provider stand-in (password = name)."""
    towns = ",".join(t.code for t in generated.population.municipalities)
    (folder / "users.json").write_text(
        json.dumps(
            [
                {"username": u, "password": u, "name": u, "roles": r, "gemeenten": g}
                for u, r, g in users
            ]
        )
    )
    platform = make_platform({"VROEG_MUNICIPALITIES": towns})
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(folder / "users.json")
    platform["brp-standin"].env |= {
        "VROEG_BRP_SYNTHETIC": str(persons),
        "VROEG_BRP_SYNTHETIC_SEED": str(seed),
        "VROEG_BRP_SYNTHETIC_MUNICIPALITIES": towns,
    }
    platform["brp-check"].env["VROEG_DEBT_HELP_IMPORT_KEYS"] = json.dumps(
        {c: hashlib.sha256(f"key-{c}".encode()).hexdigest() for c in generated.debt_help}
    )
    platform.start(services)
    return platform


@dataclass
class Delivered:
    """What the creditors delivered: each signal's ground truth by intake's id, those intake
    refused, and the bodies as sent."""

    taken_up: dict[str, Truth] = field(default_factory=dict)  # signal id → truth
    refused: dict[str, Truth] = field(default_factory=dict)
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)  # signal id → body

    def count(self, municipality: str, *, refused: bool = False) -> int:
        """Signals intake took up (or refused) for a municipality."""
        found = self.refused if refused else self.taken_up
        return sum(t.municipality == municipality for t in found.values())


async def deliver(
    platform: Platform,
    generated: Generated,
    refuse: Callable[[int, dict[str, Any]], bool] = lambda _, __: False,
    cak: bool = True,
) -> Delivered:
    """Debt-help registers, creditors, then the measured month's signals in receipt order —
    those `refuse` picks (index, body) sent with too short arrears (R-IN-1 `TERMIJN`) — and,
    with `cak`, a CAK registration per municipality."""
    async with httpx.AsyncClient(base_url=platform["brp-check"].url) as http:
        for code, records in generated.debt_help.items():
            response = await http.put(
                f"/v1/schuldhulp/{code}/registraties",
                json={"registraties": records},
                headers={"X-Api-Key": f"key-{code}"},
            )
            response.raise_for_status()
    towns = tuple(t.code for t in generated.population.municipalities)
    done = Delivered()
    async with httpx.AsyncClient(base_url=platform["intake"].url, timeout=30) as http:
        keys = {
            c.id: await register_creditor(http, c.id, c.type.value, municipalities=towns)
            for c in generated.creditors
        }
        for index, s in enumerate(generated.measured):
            body = dict(s.body)
            refused = refuse(index, body)
            if refused:
                body["oldestDueDate"] = body["signalDate"]  # 0 days in arrears: TERMIJN
            posted = await http.post(
                "/v1/signalen", json=body, headers={"X-Api-Key": keys[s.creditor.id]}
            )
            assert posted.status_code == 201, posted.text
            signal_id = posted.json()["id"]
            (done.refused if refused else done.taken_up)[signal_id] = s.truth
            done.bodies[signal_id] = body
        for town in towns if cak else ():
            s = generated.measured[0]
            body = {**s.body, "kind": "CAK_WANBETALER", "municipality": town}
            body["vlpReference"] = f"cak-{town}"
            posted = await http.post(
                "/v1/signalen", json=body, headers={"X-Api-Key": keys[s.creditor.id]}
            )
            assert posted.status_code == 201, posted.text
            assert posted.json()["status"] == "CAK_ONTVANGEN"
    return done


async def decide_reviews(
    platform: Platform, reviewer: str, delivered: Delivered, candidates: int = 1
) -> dict[str, str]:
    """A reviewer decides the whole review queue once every signal the ground truth sends
    there is in it: in each municipality the first `candidates` items as the person the
    generator meant (where the BRP shows them), the rest as a legal person. The decision per
    signal id: `candidate` or `legal-person`."""
    waiting = sum(t.route == "review" for t in delivered.taken_up.values())
    headers = staff_headers(platform, reviewer)
    decided: dict[str, str] = {}
    async with httpx.AsyncClient(
        base_url=platform["brp-check"].url, headers=headers, timeout=30
    ) as http:

        async def queue() -> list[dict[str, Any]]:
            response = await http.get("/v1/uitval", params={"limit": 200})
            response.raise_for_status()
            items: list[dict[str, Any]] = response.json()["items"]
            return items

        items = await eventually(queue, lambda found: len(found) == waiting, timeout=120)
        assert len(items) == waiting
        picked: dict[str, int] = {}
        for item in items:
            signal_id, town = item["signalId"], item["municipality"]
            choice: dict[str, Any] = {"choice": "legal-person", "explanation": "test: a BV"}
            if picked.get(town, 0) < candidates:
                opened = await http.get(f"/v1/uitval/{signal_id}")
                opened.raise_for_status()
                bsn = delivered.taken_up[signal_id].bsn
                if bsn in {c["bsn"] for c in opened.json()["candidates"]}:
                    picked[town] = picked.get(town, 0) + 1
                    choice = {"choice": "candidate", "bsn": bsn, "explanation": "test: found"}
            response = await http.post(f"/v1/uitval/{signal_id}/besluit", json=choice)
            assert response.status_code == 200, response.text
            decided[signal_id] = choice["choice"]
    return decided
