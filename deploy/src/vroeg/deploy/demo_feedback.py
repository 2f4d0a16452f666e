"""The demo's feedback and forwarding: a second tenant to forward to, a creditor that takes its
feedback by webhook, and what each creditor hears, read as the creditor reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from vroeg.deploy.demo_batch import MUNICIPALITY, SECOND_TENANT
from vroeg.deploy.demo_staff import CASE_WORKER, answer, as_staff, eventually, ok
from vroeg.deploy.processes import WEBHOOK_STANDIN, Platform
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY

ADMIN = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}


def enter_second_tenant(platform: Platform) -> None:
    """Serve `SECOND_TENANT` here too, as a regional centre does (domain §10): forwards to it
    go to this deployment's own intake, with the key that intake issued to the forwarder."""
    intake = platform["intake"].url
    with httpx.Client(base_url=intake, headers=ADMIN) as http:
        issued = ok(http.post(f"/v1/beheer/gemeenten/{MUNICIPALITY}/sleutels", json={}))
        entry = {
            "servedHere": True,
            "intakeUrl": intake,
            "apiKeys": {MUNICIPALITY: issued["apiKey"]},
        }
        ok(http.put(f"/v1/beheer/gemeenten/{SECOND_TENANT}", json=entry))


async def register_webhook(platform: Platform, vlp_id: str, key: str) -> None:
    """The creditor registers its receiver (the webhook stand-in) with its own key and gives
    the receiver the secret it got, as a creditor's developer would. feedback learns a new key
    from intake's events within moments: until then the key is not known there (401)."""
    receiver = f"{platform[WEBHOOK_STANDIN].url}/ontvangers/{vlp_id}"
    async with httpx.AsyncClient(base_url=platform["feedback"].url) as http:
        registered = await eventually(
            lambda: http.put("/v1/webhook", json={"url": receiver}, headers={"X-Api-Key": key}),
            lambda r: r.status_code != 401,
        )
        secret = ok(registered)["secret"]
        await http.put(
            f"{platform[WEBHOOK_STANDIN].url}/_stand-in/ontvangers/{vlp_id}/geheimen",
            json={"secrets": [secret]},
        )


async def poll(platform: Platform, key: str) -> list[dict[str, Any]]:
    """All of a creditor's feedback, page by page (`GET /v1/terugkoppelingen` with its key)."""
    items: list[dict[str, Any]] = []
    after: str | None = None
    async with httpx.AsyncClient(
        base_url=platform["feedback"].url, headers={"X-Api-Key": key}
    ) as http:
        while True:
            params = {"limit": "100", **({"after": after} if after else {})}
            page = ok(await http.get("/v1/terugkoppelingen", params=params))
            items += page["items"]
            if not page["items"]:
                return items
            after = page["cursor"]


async def poll_all(
    platform: Platform, keys: Mapping[str, str], expected: set[str], *, within: float = 60
) -> dict[str, list[dict[str, Any]]]:
    """Every creditor's feedback, asked again until each signal in `expected` has some."""

    async def ask() -> dict[str, list[dict[str, Any]]]:
        return {vlp: await poll(platform, key) for vlp, key in keys.items()}

    def complete(polled: dict[str, list[dict[str, Any]]]) -> bool:
        return expected <= {f["signalId"] for items in polled.values() for f in items}

    polled: dict[str, list[dict[str, Any]]] = await eventually(ask, complete, within=within)
    return polled


def describe(feedback: Mapping[str, Any]) -> str:
    """One feedback as the creditor reads it: its type and the one detail that type carries."""
    kind = str(feedback["feedbackType"])
    if feedback.get("reason"):
        return f"{kind} {feedback['reason']}"
    if feedback.get("doorgestuurd") is not None:
        return f"{kind} {'doorgestuurd' if feedback['doorgestuurd'] else 'niet doorgestuurd'}"
    if feedback.get("collectionPausedUntil"):
        return f"{kind} (pause until {feedback['collectionPausedUntil']})"
    return kind


def by_signal(polled: Mapping[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """What the creditor heard of each signal."""
    heard: dict[str, list[str]] = {}
    for items in polled.values():
        for feedback in items:
            heard.setdefault(feedback["signalId"], []).append(describe(feedback))
    return heard


@dataclass(frozen=True)
class Deliveries:
    """What the webhook receiver got: verified once, verified again, refused."""

    accepted: set[str]
    duplicates: int
    refused: int


async def webhook_deliveries(
    platform: Platform, vlp_id: str, expect: set[str], *, within: float = 60
) -> Deliveries:
    """The receiver stand-in's account of the creditor's deliveries, once it has verified
    every feedback id in `expect` (or `within` seconds passed)."""
    url = f"{platform[WEBHOOK_STANDIN].url}/_stand-in/ontvangers/{vlp_id}/ontvangen"
    async with httpx.AsyncClient() as http:

        async def ask() -> Deliveries:
            received = ok(await http.get(url))["received"]
            return Deliveries(
                accepted={r["webhookId"] for r in received if r["outcome"] == "accepted"},
                duplicates=sum(1 for r in received if r["outcome"] == "duplicate"),
                refused=sum(1 for r in received if r["outcome"] in ("refused", "down")),
            )

        got: Deliveries = await eventually(ask, lambda d: expect <= d.accepted, within=within)
        return got


async def forwards(platform: Platform, *, within: float = 60) -> list[dict[str, Any]]:
    """The municipality's forwards as its staff see them, once none is still waiting."""
    async with await as_staff(platform, "feedback", CASE_WORKER) as http:
        listed: list[dict[str, Any]] = await eventually(
            lambda: answer(http.get("/doorsturingen")),
            lambda rows: all(r["status"] != "WAITING" for r in rows),
            within=within,
        )
        return listed


def print_creditors(
    polled: Mapping[str, list[dict[str, Any]]],
    labels: Mapping[str, str],
    webhook: tuple[str, Deliveries] | None,
) -> None:
    """Per creditor, what it heard of which signal (the demo's labels, not its references)."""
    print("\nWhat each creditor hears (GET /v1/terugkoppelingen with its own key):")
    for vlp, items in polled.items():
        how = "webhook and polling" if webhook and webhook[0] == vlp else "polling"
        print(f"  {vlp} ({how}): {len(items)}")
        for feedback in items:
            print(f"    {labels.get(feedback['signalId'], '?'):<44} {describe(feedback)}")
    if webhook is not None:
        vlp, got = webhook
        polled_ids = {f["id"] for f in polled[vlp]}
        same = "the same" if got.accepted == polled_ids else "NOT the same"
        print(
            f"  Webhook receiver of {vlp} (vroeg-webhook-standin, verifies with "
            f"standardwebhooks): {len(got.accepted)} deliveries verified, {got.refused} "
            f"refused, {got.duplicates} twice; {same} feedback ids as its poll"
        )
