"""The demo's staff: their accounts at the identity-provider stand-in, the work they do through
the services' APIs (the same calls the web app's pages make with their token), and what each
account finds in the web app afterwards."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from vroeg.deploy.demo_batch import MUNICIPALITY, SECOND_TENANT
from vroeg.deploy.processes import WEB, Platform
from vroeg.standins.idp.app import DEMO_USERS, User

REVIEWER = "reviewer-0363"
CASE_WORKER = "vroegsignaleerder-0363"
ANALYST = "analyst-0363"
SHV = "shv-0363"
# reporting's name for the caller's municipalities together.
REGION = "regio"
# The CBS export is a right of its own (domain §9); the web app has no page for it, so the
# demo's identity provider gets this API-only account beside the web app's accounts.
CBS_EXPORTER = User(
    username="cbs-0363",
    password="cbs-0363",
    name="C. Amsterdam",
    roles=["cbs-export"],
    gemeenten=[MUNICIPALITY],
)


# The web app's demo accounts as the demo's identity provider has them: the stand-in's, with the
# deployment's operator (`admin-ssc`) also over the second tenant. The users file is written from
# this list and the printed table of accounts is made from it: one source, they cannot disagree.
WEB_ACCOUNTS = [
    u.model_copy(update={"gemeenten": [*u.gemeenten, SECOND_TENANT]})
    if u.username == "admin-ssc"
    else u
    for u in DEMO_USERS
]


def write_accounts(path: Path) -> Path:
    """The identity-provider stand-in's users file (`VROEG_IDP_USERS`): the web app's accounts
    (`WEB_ACCOUNTS`) and the CBS exporter."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([u.model_dump() for u in [*WEB_ACCOUNTS, CBS_EXPORTER]]))
    return path


def ok(response: httpx.Response) -> Any:
    """The JSON of a successful answer (raises on any other)."""
    response.raise_for_status()
    return response.json() if response.content else None


async def answer(request: Awaitable[httpx.Response]) -> Any:
    """The JSON of a request's successful answer."""
    return ok(await request)


async def signed_in(platform: Platform, account: str) -> dict[str, str]:
    """Headers with a token of a demo account of the identity-provider stand-in."""
    async with httpx.AsyncClient(base_url=platform["idp-standin"].url) as idp:
        grant = {"grant_type": "password", "username": account, "password": account}
        token = ok(await idp.post("/token", data=grant))["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def as_staff(platform: Platform, service: str, account: str) -> httpx.AsyncClient:
    """A client of `service`'s `/v1` API signed in as `account`."""
    return httpx.AsyncClient(
        base_url=f"{platform[service].url}/v1", headers=await signed_in(platform, account)
    )


async def eventually(
    ask: Callable[[], Awaitable[Any]], done: Callable[[Any], bool], *, within: float = 60
) -> Any:
    """Ask until the answer is `done` or `within` seconds passed; the last answer."""
    deadline = time.monotonic() + within
    while True:
        answer = await ask()
        if done(answer) or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.3)


async def review(platform: Platform, labels: dict[str, str]) -> str | None:
    """A reviewer works the review queue: picks the candidate the BRP found at the signal's
    address for the first such item, and leaves the rest for the web app. The signal decided."""
    async with await as_staff(platform, "brp-check", REVIEWER) as http:
        queue = ok(await http.get("/uitval"))
        print(f"  {REVIEWER:<24} uitval of {MUNICIPALITY}: {queue['total']} open")
        decided_id: str | None = None
        for item in queue["items"]:
            label = labels.get(item["signalId"], "?")
            opened = ok(await http.get(f"/uitval/{item['signalId']}"))
            at_address = [c for c in opened["candidates"] if "address" in c["foundBy"]]
            if decided_id is None and at_address:
                choice = {
                    "choice": "candidate",
                    "bsn": at_address[0]["bsn"],
                    "explanation": "Registered at the address the creditor gave.",
                }
                decided = ok(await http.post(f"/uitval/{item['signalId']}/besluit", json=choice))
                decided_id = item["signalId"]
                print(
                    f"    {label:<38} {len(opened['candidates'])} candidate(s) -> the one at "
                    f"the address: route {decided['route']}"
                )
            else:
                print(
                    f"    {label:<38} {len(opened['candidates'])} candidate(s) -> left in the "
                    "queue for the web app"
                )
        return decided_id


async def work_a_case(platform: Platform, case_id: str, label: str) -> None:
    """A case worker calls the resident of a crisis case, reaches them, and registers that
    they accepted help (a referral to debt help): the case closes."""
    today = date.today().isoformat()
    async with await as_staff(platform, "followup", CASE_WORKER) as http:
        queue = ok(await http.get("/meldingen"))
        print(f"  {CASE_WORKER:<24} werkvoorraad of {MUNICIPALITY}: {len(queue['items'])} open")
        attempt = {"kind": "TELEFOON", "attemptedOn": today, "partOfDay": "OCHTEND"}
        ok(
            await http.post(
                f"/meldingen/{case_id}/contactpogingen", json={**attempt, "result": "BEREIKT"}
            )
        )
        outcome = {"category": "WIL_HULP", "detail": "VERWIJZING_FINANCIEEL"}
        ok(await http.post(f"/meldingen/{case_id}/uitkomst", json=outcome))
        state = ok(await http.get(f"/meldingen/{case_id}/opvolging"))
    print(
        f"    case {case_id[:8]} ({label}): called, reached -> WIL_HULP "
        f"VERWIJZING_FINANCIEEL, case {state['status'].lower()}"
    )


async def debt_help_queue(platform: Platform, labels: dict[str, str]) -> None:
    """The SHV professional's queue, left as it is for the web app."""
    async with await as_staff(platform, "followup", SHV) as http:
        queue = ok(await http.get("/shv"))
    print(f"  {SHV:<24} SHV queue of {MUNICIPALITY}: {len(queue['items'])} open")
    for item in queue["items"]:
        print(
            f"    {labels.get(item['signalId'], '?'):<38} debt help {item['debtHelp']} -> left "
            "in the queue for the web app"
        )


async def import_debt_help(platform: Platform, bsn: str) -> None:
    """The municipality's debt-help register, as its SHV staff import it (R-BRP-4)."""
    async with await as_staff(platform, "brp-check", SHV) as http:
        register = {"registraties": [{"bsn": bsn, "activeProduct": True}]}
        ok(await http.put(f"/schuldhulp/{MUNICIPALITY}/registraties", json=register))


async def what_accounts_see(platform: Platform, period: str, *, keep: bool) -> None:
    """Where staff sign in, with which accounts, and what each one's pages show now (asked of
    the services with the account's own token, as the pages ask)."""
    running = "" if keep else " (while the platform runs: `./dev demo --keep`)"
    print(
        f"\nStaff web app{running}: {platform[WEB].url}/ — sign in with a demo account "
        "(password = account name); what its pages show now:"
    )
    served = {MUNICIPALITY, SECOND_TENANT}
    for user in WEB_ACCOUNTS:
        sees = (
            await _sees(platform, user, period)
            if served & set(user.gemeenten)
            else "nothing: none of its municipalities is served here"
        )
        roles, municipalities = ", ".join(user.roles), ", ".join(user.gemeenten)
        print(f"  {user.username:<24} {roles:<18} {municipalities:<16} {sees}")
    others = sorted({m for u in WEB_ACCOUNTS for m in u.gemeenten} - served)
    if others:
        print(
            f"  ({', '.join(others)}: not served by this deployment, so the web app does not "
            "offer it and no demo signals go there.)"
        )


async def _sees(platform: Platform, user: User, period: str) -> str:
    role = user.roles[0]
    if role == "reviewer":
        async with await as_staff(platform, "brp-check", user.username) as http:
            return f"Uitval: {ok(await http.get('/uitval'))['total']} open"
    if role == "vroegsignaleerder":
        async with await as_staff(platform, "followup", user.username) as http:
            items = ok(await http.get("/meldingen"))["items"]
        crisis = sum(1 for i in items if i["crisis"])
        return f"Werkvoorraad: {len(items)} open cases ({crisis} crisis)"
    if role == "shv-professional":
        async with await as_staff(platform, "followup", user.username) as http:
            return f"SHV: {len(ok(await http.get('/shv'))['items'])} open"
    if role == "analyst":
        async with await as_staff(platform, "reporting", user.username) as http:
            values = ok(await http.get("/indicatorwaarden", params={"periode": period}))
        signals = next(
            v["teller"]
            for v in values["waarden"]
            if v["indicator"] == "signalen" and v["gemeente"] == REGION
        )
        return f"Monitor {period}: {float(signals):g} signals"
    return "Beheer: creditors, keys, agreements, policies"
