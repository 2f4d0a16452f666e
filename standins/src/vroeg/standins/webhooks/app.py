"""A creditor's webhook receiver, as a process: `vroeg-webhook-standin`.

Each receiver (`POST /ontvangers/{name}`, one per creditor a test plays) verifies what arrives
with the `standardwebhooks` package against the secrets its creditor configured, as a creditor
would: a valid delivery gets 204, a missing or wrong signature (or a timestamp more than five
minutes off) 400. It keeps every request it got, verified or not, and whether a `webhook-id`
came again after it was accepted. Routes under `/_stand-in/` are the stand-in's own, for
tests: configure a receiver's secrets, make it fail for a while (`down`: answer a status
without looking; `tamper`: change the body in transit, as a broken proxy would, so the
signature no longer fits), and read back what it received.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class Settings(BaseSettings):
    """Where the stand-in listens."""

    host: str = Field(default="127.0.0.1", alias="VROEG_HOST")
    port: int = Field(default=8093, alias="VROEG_PORT")


class SecretsIn(BaseModel):
    """The secrets a receiver verifies with (any one fitting is enough)."""

    secrets: list[str] = Field(min_length=1)


class FaultIn(BaseModel):
    """How a receiver fails until the fault is lifted."""

    mode: Literal["down", "tamper"] = "down"
    status: int = Field(default=503, ge=400, le=599)


@dataclass
class Receiver:
    """One creditor's receiver: its secrets, its fault, what it got."""

    secrets: list[str] = field(default_factory=list)
    fault: FaultIn | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    accepted_ids: set[str] = field(default_factory=set)


def create_app() -> FastAPI:
    """The stand-in's app (receivers live in memory)."""
    app = FastAPI(title="Webhook receiver stand-in", docs_url=None, redoc_url=None)
    receivers: dict[str, Receiver] = {}

    def receiver(name: str) -> Receiver:
        return receivers.setdefault(name, Receiver())

    @app.post("/ontvangers/{name}")
    async def receive(name: str, request: Request) -> Response:
        target = receiver(name)
        body = await request.body()
        headers = dict(request.headers)
        entry: dict[str, Any] = {
            "webhookId": headers.get("webhook-id"),
            "timestamp": headers.get("webhook-timestamp"),
            "signatures": len(headers.get("webhook-signature", "").split()),
            "body": _json(body),
        }
        fault = target.fault
        if fault is not None and fault.mode == "down":
            target.received.append({**entry, "status": fault.status, "outcome": "down"})
            return Response(status_code=fault.status)
        if fault is not None and fault.mode == "tamper":
            body = body.replace(b"}", b',"tampered":true}', 1)
        verified = _verify(target.secrets, body, headers)
        if verified is None:
            target.received.append({**entry, "status": 400, "outcome": "refused"})
            return Response(status_code=400)
        duplicate = entry["webhookId"] in target.accepted_ids
        target.accepted_ids.add(entry["webhookId"])
        target.received.append(
            {**entry, "status": 204, "outcome": "duplicate" if duplicate else "accepted"}
        )
        return Response(status_code=204)

    @app.put("/_stand-in/ontvangers/{name}/geheimen", status_code=204)
    async def configure(name: str, body: SecretsIn) -> None:
        receiver(name).secrets = list(body.secrets)

    @app.put("/_stand-in/ontvangers/{name}/storing", status_code=204)
    async def fail(name: str, body: FaultIn) -> None:
        receiver(name).fault = body

    @app.delete("/_stand-in/ontvangers/{name}/storing", status_code=204)
    async def recover(name: str) -> None:
        receiver(name).fault = None

    @app.get("/_stand-in/ontvangers/{name}/ontvangen")
    async def received(name: str) -> dict[str, Any]:
        """Every request the receiver got, oldest first, with its answer and why."""
        return {"received": receiver(name).received}

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "receivers": len(receivers)}

    return app


def _verify(secrets: list[str], body: bytes, headers: dict[str, str]) -> Any:
    """The verified payload, or None when no secret verifies it."""
    for secret in secrets:
        try:
            return Webhook(secret).verify(body, headers)
        except (WebhookVerificationError, ValueError, UnicodeDecodeError):
            continue
    return None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def main() -> None:
    """Run the stand-in until stopped."""
    settings = Settings()
    uvicorn.run(
        create_app(),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
