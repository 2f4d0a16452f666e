"""The creditor's webhook receiver stand-in verifies as a creditor would, with the
`standardwebhooks` package: a delivery signed with its secret is accepted (a repeat of the same
`webhook-id` noted as such), anything else refused with 400; told to, it fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from standardwebhooks import Webhook

from vroeg.standins.webhooks.app import create_app

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER = "whsec_dGhpcyBpcyBhbm90aGVyIHNlY3JldCBrZXk="
BODY = json.dumps({"signalId": "0b4f", "feedbackType": "OVERLEDEN"})
RECEIVER = "/ontvangers/a"
STANDIN = "/_stand-in/ontvangers/a"


def signed(body: str, secret: str, *, at: datetime | None = None) -> dict[str, str]:
    moment = at or datetime.now(UTC)
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign("msg_1", moment, body),
        "content-type": "application/json",
    }


def receiver() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://r")


async def post(http: httpx.AsyncClient, body: str, headers: dict[str, str]) -> int:
    return (await http.post(RECEIVER, content=body, headers=headers)).status_code


async def outcomes(http: httpx.AsyncClient) -> list[str]:
    answer = await http.get(f"{STANDIN}/ontvangen")
    return [r["outcome"] for r in answer.json()["received"]]


async def test_the_receiver_accepts_only_what_its_secret_verifies() -> None:
    async with receiver() as http:
        await http.put(f"{STANDIN}/geheimen", json={"secrets": [SECRET]})
        assert await post(http, BODY, signed(BODY, SECRET)) == 204
        assert await post(http, BODY, signed(BODY, SECRET)) == 204
        # Another secret, a changed body, an old timestamp, no signature at all.
        assert await post(http, BODY, signed(BODY, OTHER)) == 400
        tampered = BODY.replace("OVERLEDEN", "BEKEND_BIJ_SHV")
        assert await post(http, tampered, signed(BODY, SECRET)) == 400
        old = datetime.now(UTC) - timedelta(minutes=10)
        assert await post(http, BODY, signed(BODY, SECRET, at=old)) == 400
        assert await post(http, BODY, {}) == 400
        assert await outcomes(http) == ["accepted", "duplicate", *["refused"] * 4]


async def test_the_receiver_fails_while_told_to() -> None:
    async with receiver() as http:
        await http.put(f"{STANDIN}/geheimen", json={"secrets": [SECRET]})
        await http.put(f"{STANDIN}/storing", json={"mode": "down", "status": 502})
        assert await post(http, BODY, signed(BODY, SECRET)) == 502
        await http.put(f"{STANDIN}/storing", json={"mode": "tamper"})
        assert await post(http, BODY, signed(BODY, SECRET)) == 400
        await http.delete(f"{STANDIN}/storing")
        assert await post(http, BODY, signed(BODY, SECRET)) == 204
        assert await outcomes(http) == ["down", "refused", "accepted"]
