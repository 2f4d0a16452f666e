"""The Notify API stand-in as a process: `vroeg-notify-standin`.

It speaks the GOV.UK Notify protocol that NotifyNL offers Dutch government: `POST
/v2/notifications/sms|email|letter` (a letter from a template, or a precompiled PDF), `GET
/v2/notifications/{id}` and `GET /v2/notifications`, each authenticated by a JWT signed with an
API key (see `keys`), answering with the real API's bodies and errors. It sends nothing: it
keeps what it received, which tests read back from `GET /_stand-in/received` — a route of the
stand-in only, which the real API does not have.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from pydantic_settings import BaseSettings

from vroeg.standins.notify.errors import NotifyError, bad_request, validation_errors
from vroeg.standins.notify.keys import ApiKey, Caller, KeyRing
from vroeg.standins.notify.protocol import (
    DEFAULT_TEMPLATES,
    PRECOMPILED_TEMPLATE_ID,
    TYPES,
    NotificationType,
    Template,
    address_lines,
    decode_pdf,
    load_templates,
    now_iso,
    parse_json,
    template_for,
    validate,
)

# The development key: its service is the one development and tests send for; refused by the
# services in production (see `vroeg.followup.notify`).
DEVELOPMENT_API_KEY = (
    "vroeg_ontwikkeling-6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b-2d8e4f6a-1b3c-4d5e-9f7a-8b6c5d4e3f21"
)
PAGE_SIZE = 250


class Settings(BaseSettings):
    """Where the stand-in listens, which API keys it takes and which templates it has."""

    host: str = Field(default="127.0.0.1", alias="VROEG_HOST")
    port: int = Field(default=8092, alias="VROEG_PORT")
    # Comma-separated API keys (`{key_name}-{service_id}-{secret}`).
    api_keys: str = Field(default=DEVELOPMENT_API_KEY, alias="VROEG_NOTIFY_API_KEYS")
    # A JSON file with the templates (id, type, version, name, subject, body), shared by every
    # service; the package's Dutch demo templates when unset.
    templates: Path = Field(default=DEFAULT_TEMPLATES, alias="VROEG_NOTIFY_TEMPLATES")
    # How many notifications it remembers (the oldest are forgotten first).
    keep: int = Field(default=1000, alias="VROEG_NOTIFY_KEEP", ge=1)


class Store:
    """The notifications it made and the requests it received, the newest `keep` of each."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.notifications: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.pdfs: dict[str, bytes] = {}
        self.received: deque[dict[str, Any]] = deque(maxlen=keep)

    def add(
        self, notification: dict[str, Any], received: dict[str, Any], pdf: bytes | None
    ) -> None:
        """Keep a notification, its request and (precompiled letters) its PDF."""
        self.notifications[notification["id"]] = notification
        if pdf is not None:
            self.pdfs[notification["id"]] = pdf
        self.received.append(received)
        while len(self.notifications) > self.keep:
            forgotten, _ = self.notifications.popitem(last=False)
            self.pdfs.pop(forgotten, None)


def create_app(keys: KeyRing, templates: dict[str, Template], keep: int = 1000) -> FastAPI:
    """The stand-in's app: takes requests signed with `keys`, fills in `templates`."""
    app = FastAPI(title="Notify API stand-in", docs_url=None, redoc_url=None, openapi_url=None)
    store = Store(keep)

    @app.exception_handler(NotifyError)
    async def notify_error(_: Request, exc: NotifyError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        body = {
            "status_code": 500,
            "errors": [{"error": type(exc).__name__, "message": "Internal server error"}],
        }
        return JSONResponse(body, status_code=500)

    @app.post("/v2/notifications/{kind}")
    async def post_notification(kind: str, request: Request) -> JSONResponse:
        caller = keys.authenticate(request.headers.get("Authorization"))
        if kind not in TYPES:
            return JSONResponse({"result": "error", "message": "Not found"}, status_code=404)
        body = parse_json(await request.body())
        if kind == "letter" and isinstance(body, dict) and "content" in body:
            notification, pdf = _precompiled_letter(validate(body, "precompiled"), caller)
            answer: dict[str, Any] = {
                "id": notification["id"],
                "reference": notification["reference"],
                "postage": notification["postage"],
            }
        else:
            form = validate(body, kind)
            template = template_for(templates, form["template_id"], kind)
            notification, pdf = _from_template(form, template, kind, caller), None
            answer = _created(notification, str(request.base_url))
        store.add(notification, _received(notification, caller, body), pdf)
        return JSONResponse(answer, status_code=201)

    @app.get("/v2/notifications/{notification_id}")
    async def get_notification(notification_id: str, request: Request) -> JSONResponse:
        return JSONResponse(_public(_own(notification_id, request), str(request.base_url)))

    @app.get("/v2/notifications/{notification_id}/pdf")
    async def get_pdf(notification_id: str, request: Request) -> Response:
        notification = _own(notification_id, request)
        if notification["type"] != "letter":
            raise bad_request("Notification is not a letter")
        pdf = store.pdfs.get(notification["id"])
        if pdf is None or notification["status"] == "validation-failed":
            raise bad_request("PDF not available yet, try again later")
        return Response(pdf, media_type="application/pdf")

    @app.get("/v2/notifications")
    async def list_notifications(request: Request) -> JSONResponse:
        caller = keys.authenticate(request.headers.get("Authorization"))
        query = request.query_params
        kind = query.get("template_type")
        if kind is not None and kind not in TYPES:
            raise validation_errors([f"template_type {kind} is not one of [sms, email, letter]"])
        statuses = set(query.getlist("status"))
        older_than = query.get("older_than")
        chosen = []
        passed = older_than is None
        for notification in reversed(store.notifications.values()):
            if not passed:
                passed = notification["id"] == older_than
                continue
            if (
                notification["service_id"] == caller.service_id
                and (kind is None or notification["type"] == kind)
                and (not statuses or notification["status"] in statuses)
                and (query.get("reference") in (None, notification["reference"]))
            ):
                chosen.append(notification)
            if len(chosen) == PAGE_SIZE:
                break
        base = str(request.base_url)
        links = {"current": str(request.url)}
        if len(chosen) == PAGE_SIZE:
            links["next"] = f"{base}v2/notifications?older_than={chosen[-1]['id']}"
        return JSONResponse({"notifications": [_public(n, base) for n in chosen], "links": links})

    @app.get("/_stand-in/received")
    async def received() -> dict[str, Any]:
        """Stand-in only (no such route in Notify): every request it accepted, with the caller
        its verified token named, newest last."""
        return {"received": list(store.received)}

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "UP", "notifications": len(store.notifications)}

    def _own(notification_id: str, request: Request) -> dict[str, Any]:
        caller = keys.authenticate(request.headers.get("Authorization"))
        try:
            key = str(uuid.UUID(notification_id))
        except ValueError as exc:
            raise validation_errors(["notification_id is not a valid UUID"]) from exc
        notification = store.notifications.get(key)
        if notification is None or notification["service_id"] != caller.service_id:
            raise NotifyError(404, "NoResultFound", "No result found")
        return notification

    return app


def _from_template(
    form: dict[str, Any], template: Template, kind: NotificationType, caller: Caller
) -> dict[str, Any]:
    personalisation = form.get("personalisation") or {}
    subject, body = template.render(personalisation)
    lines = address_lines(personalisation) if kind == "letter" else []
    return {
        **_notification(caller, kind, form.get("reference"), template.id, template.version),
        "email_address": form.get("email_address"),
        "phone_number": form.get("phone_number"),
        **{f"line_{n}": line for n, line in enumerate(lines[:6], start=1)},
        "postage": "second" if kind == "letter" else None,
        "status": "accepted" if kind == "letter" else "delivered",
        "body": body,
        "subject": subject,
    }


def _precompiled_letter(form: dict[str, Any], caller: Caller) -> tuple[dict[str, Any], bytes]:
    pdf = decode_pdf(form["content"])
    notification = {
        **_notification(caller, "letter", form["reference"], PRECOMPILED_TEMPLATE_ID, 1),
        "line_1": "Provided as PDF",
        "postage": form.get("postage", "second"),
        # The real API checks the file after accepting it; one that is no PDF fails then.
        "status": "accepted" if pdf.startswith(b"%PDF-") else "validation-failed",
        "body": "",
        "subject": "Pre-compiled PDF",
    }
    return notification, pdf


def _notification(
    caller: Caller, kind: str, reference: str | None, template_id: str, version: int
) -> dict[str, Any]:
    created = now_iso()
    return {
        "id": str(uuid.uuid4()),
        "service_id": caller.service_id,
        "reference": reference,
        "email_address": None,
        "phone_number": None,
        **{f"line_{n}": None for n in range(1, 7)},
        "postcode": None,
        "type": kind,
        "template": {"id": str(uuid.UUID(template_id)), "version": version},
        "created_at": created,
        "sent_at": created,
        "completed_at": None,
        "created_by_name": None,
        "scheduled_for": None,
    }


def _template_uri(notification: dict[str, Any], base: str) -> dict[str, Any]:
    template = notification["template"]
    uri = f"{base}services/{notification['service_id']}/templates/{template['id']}"
    return {**template, "uri": uri}


def _created(notification: dict[str, Any], base: str) -> dict[str, Any]:
    """The 201 body of a templated notification."""
    content: dict[str, Any] = {"body": notification["body"]}
    if notification["type"] == "sms":
        content["from_number"] = None
    elif notification["type"] == "email":
        content |= {
            "subject": notification["subject"],
            "from_email": "vroeg@notify.stand-in.local",
            "one_click_unsubscribe_url": None,
        }
    else:
        content["subject"] = notification["subject"]
    return {
        "id": notification["id"],
        "reference": notification["reference"],
        "content": content,
        "uri": f"{base}v2/notifications/{notification['id']}",
        "template": _template_uri(notification, base),
        "scheduled_for": None,
    }


def _public(notification: dict[str, Any], base: str) -> dict[str, Any]:
    """A notification as `GET /v2/notifications…` shows it."""
    shown = {k: v for k, v in notification.items() if k != "service_id"}
    return {**shown, "template": _template_uri(notification, base)}


def _received(notification: dict[str, Any], caller: Caller, body: object) -> dict[str, Any]:
    return {
        "id": notification["id"],
        "type": notification["type"],
        "service_id": caller.service_id,
        "key_name": caller.key_name,
        "issued_at": caller.issued_at,
        "received_at": notification["created_at"],
        "request": body,
    }


def main() -> None:
    """Run the stand-in until stopped."""
    settings = Settings()
    keys = KeyRing(ApiKey.parse(key) for key in settings.api_keys.split(",") if key.strip())
    uvicorn.run(
        create_app(keys, load_templates(settings.templates), settings.keep),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=2,
    )
