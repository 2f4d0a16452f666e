"""Messages to residents through the Notify API (NotifyNL: the GOV.UK Notify protocol), with its
reference client `notifications-python-client`: an SMS or e-mail from a template of the
municipality's Notify service, or a letter as our own PDF (precompiled, see `letters`).

The client is synchronous (requests), so each call runs in a worker thread with a client of its
own (the client is not thread-safe). A Notify that is down, overloaded (429) or refusing our API
key raises `DependencyUnavailable`: the event that wanted the message waits and is retried. A
request Notify refuses (another 4xx) raises `NotifyRefused` and will be refused again. Neither
says more than the status and Notify's error names: Notify's messages may quote what was sent.

Notify has no idempotency key: a request that timed out may still have been sent. Give each
message a `reference` of your own (e.g. the attempt's id, never personal data) and ask
`notification_with_reference` before sending again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from io import BytesIO
from typing import Any, Literal, TypeVar
from uuid import UUID

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vroeg.shared.messaging.consumer import DependencyUnavailable
from vroeg.shared.settings import DEVELOPMENT_ENVIRONMENTS, Environment, public_https_refusal

# The Notify stand-in (`vroeg-notify-standin`) that development and tests run, its development
# key and its demo templates: all refused in production.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:8092"
DEVELOPMENT_API_KEY = (
    "vroeg_ontwikkeling-6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b-2d8e4f6a-1b3c-4d5e-9f7a-8b6c5d4e3f21"
)
DEVELOPMENT_SMS_TEMPLATE_ID = UUID("4b1a3d5e-0c6f-4e59-9a43-6d2f0e8b7c11")
DEVELOPMENT_EMAIL_TEMPLATE_ID = UUID("8e2c6f90-3b7d-4a1e-b5c4-2f9d0a6e1b23")

Postage = Literal["first", "second", "economy"]
T = TypeVar("T")

# The client logs each failed request with Notify's error messages, which may quote what was
# sent; what failed is told by the exceptions below instead.
logging.getLogger("notifications_python_client").setLevel(logging.ERROR)


class NotifySettings(BaseSettings):
    """Where Notify is, the service's API key, and the templates of the automatic messages."""

    # A refusal never repeats the input: the API key is a secret.
    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    # Production unless said otherwise, as for every service (`vroeg.shared.settings`).
    environment: Environment = Field(default="production", alias="VROEG_ENVIRONMENT")
    base_url: str = Field(default=DEVELOPMENT_BASE_URL, alias="VROEG_NOTIFY_BASE_URL")
    # `{key_name}-{service_id}-{secret}`, as Notify's settings page shows it.
    api_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_API_KEY), alias="VROEG_NOTIFY_API_KEY")
    sms_template_id: UUID = Field(
        default=DEVELOPMENT_SMS_TEMPLATE_ID, alias="VROEG_NOTIFY_SMS_TEMPLATE_ID"
    )
    email_template_id: UUID = Field(
        default=DEVELOPMENT_EMAIL_TEMPLATE_ID, alias="VROEG_NOTIFY_EMAIL_TEMPLATE_ID"
    )
    timeout_s: float = Field(default=10.0, alias="VROEG_NOTIFY_TIMEOUT_S", gt=0)

    @model_validator(mode="after")
    def _key_is_a_notify_key(self) -> NotifySettings:
        if not is_api_key(self.api_key.get_secret_value()):
            # Not the value: it is a secret.
            raise ValueError(
                "VROEG_NOTIFY_API_KEY must be a Notify API key: {key_name}-{service_id}-{secret}"
            )
        return self

    @model_validator(mode="after")
    def _fail_closed_in_production(self) -> NotifySettings:
        if self.environment in DEVELOPMENT_ENVIRONMENTS:
            return self
        refusals = self.production_refusals()
        if refusals:
            raise ValueError(
                f"refused in {self.environment} (VROEG_ENVIRONMENT; only development and test "
                "accept the Notify stand-in):\n- " + "\n- ".join(refusals)
            )
        return self

    def production_refusals(self) -> list[str]:
        """Every development default set."""
        refusals = []
        if refusal := public_https_refusal("VROEG_NOTIFY_BASE_URL", self.base_url):
            refusals.append(refusal)
        if self.api_key.get_secret_value() == DEVELOPMENT_API_KEY:
            refusals.append(
                "VROEG_NOTIFY_API_KEY must be the municipality's own Notify key: the development "
                "key is refused"
            )
        for name, field in (
            ("VROEG_NOTIFY_SMS_TEMPLATE_ID", "sms_template_id"),
            ("VROEG_NOTIFY_EMAIL_TEMPLATE_ID", "email_template_id"),
        ):
            if field not in self.model_fields_set:
                refusals.append(f"{name} must name a template of the Notify service")
        return refusals


def is_api_key(key: str) -> bool:
    """Whether `key` is shaped `{key_name}-{service_id}-{secret}`, the last two UUIDs, as the
    client reads it (its last 73 characters)."""
    name, service_id, secret = key[:-74], key[-73:-37], key[-36:]
    if not name or key[-74:-73] != "-" or key[-37:-36] != "-":
        return False
    try:
        return all(str(UUID(part)) == part.lower() for part in (service_id, secret))
    except ValueError:
        return False


class NotifyRefused(RuntimeError):
    """Notify refused the message (a 4xx other than 401, 403, 429): sending it again is refused
    again. `errors` has Notify's `{error, message}` items, for a person to read, not to log."""

    def __init__(self, what: str, status_code: int, errors: list[dict[str, str]]) -> None:
        names = ", ".join(dict.fromkeys(e.get("error", "?") for e in errors)) or "no details"
        super().__init__(f"Notify refused the {what}: HTTP {status_code} ({names})")
        self.status_code = status_code
        self.errors = errors


class Notify:
    """Sends messages through the Notify API with the settings' service key."""

    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings

    async def send_sms(
        self,
        phone_number: str,
        personalisation: Mapping[str, str],
        *,
        reference: str,
        template_id: UUID | None = None,
    ) -> UUID:
        """Send an SMS from the SMS template (or `template_id`); Notify's notification id."""
        template = template_id or self._settings.sms_template_id
        answer = await self._call(
            "SMS",
            lambda client: client.send_sms_notification(
                phone_number, str(template), dict(personalisation), reference=reference
            ),
        )
        return UUID(answer["id"])

    async def send_email(
        self,
        email_address: str,
        personalisation: Mapping[str, str],
        *,
        reference: str,
        template_id: UUID | None = None,
    ) -> UUID:
        """Send an e-mail from the e-mail template (or `template_id`); the notification id."""
        template = template_id or self._settings.email_template_id
        answer = await self._call(
            "e-mail",
            lambda client: client.send_email_notification(
                email_address, str(template), dict(personalisation), reference=reference
            ),
        )
        return UUID(answer["id"])

    async def send_letter_pdf(
        self, pdf: bytes, *, reference: str, postage: Postage = "second"
    ) -> UUID:
        """Send a letter we rendered ourselves (precompiled PDF, address in the window
        position); the notification id."""
        answer = await self._call(
            "letter",
            lambda client: client.send_precompiled_letter_notification(
                reference, BytesIO(pdf), postage
            ),
        )
        return UUID(answer["id"])

    async def notification_with_reference(self, reference: str) -> UUID | None:
        """The newest notification sent with `reference`, if any (to tell whether a request
        that timed out was sent after all)."""
        answer = await self._call(
            "search", lambda client: client.get_all_notifications(reference=reference)
        )
        found = answer.get("notifications") or []
        return UUID(found[0]["id"]) if found else None

    async def _call(self, what: str, request: Callable[[Any], T]) -> T:
        settings = self._settings
        with trace.get_tracer(__name__).start_as_current_span(
            f"Notify {what}", kind=SpanKind.CLIENT, attributes={"notify.message": what}
        ) as span:

            def call() -> T:
                client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
                    settings.api_key.get_secret_value(),
                    base_url=settings.base_url,
                    timeout=settings.timeout_s,
                )
                return request(client)

            try:
                return await asyncio.to_thread(call)
            except APIError as exc:
                span.set_attribute("http.response.status_code", exc.status_code)
                raise _translated(what, exc) from exc


def _translated(what: str, exc: APIError) -> Exception:
    """DependencyUnavailable for what is not the message's fault, NotifyRefused otherwise."""
    status = exc.status_code
    if exc.response is None:  # no answer: refused connection, timeout, name not resolved
        cause = type(exc.__cause__).__name__ if exc.__cause__ else "no answer"
        return DependencyUnavailable(f"Notify unreachable ({cause})")
    errors = _errors(exc)
    if status >= 500 or status == 429:
        return DependencyUnavailable(f"Notify answered {status}")
    if status in (401, 403):
        # Our key or our clock is wrong, not the message: it waits until that is mended.
        return DependencyUnavailable(
            f"Notify refused our API key ({status}): check VROEG_NOTIFY_API_KEY and the clock"
        )
    return NotifyRefused(what, status, errors)


def _errors(exc: APIError) -> list[dict[str, str]]:
    message = exc.message
    if isinstance(message, list):
        return [{str(k): str(v) for k, v in item.items()} for item in message]
    return [{"error": "Error", "message": str(message)}]
