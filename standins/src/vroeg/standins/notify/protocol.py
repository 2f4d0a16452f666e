"""What the Notify API accepts: its request schemas, its templates with `((placeholders))`, and
the notifications it makes of a request — as the real API does, with its error messages."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft7Validator, FormatChecker
from jsonschema import ValidationError as SchemaError

from vroeg.standins.notify.errors import bad_request, validation_errors

NotificationType = Literal["sms", "email", "letter"]
TYPES: tuple[NotificationType, ...] = ("sms", "email", "letter")
DEFAULT_TEMPLATES = Path(__file__).with_name("templates.json")
# Every service's template for the PDFs it sends itself (the real API has one per service).
PRECOMPILED_TEMPLATE_ID = "0f5d6a2e-7c1b-4d8e-9a3f-5b6c7d8e9f01"
ADDRESS_LINES = tuple(f"address_line_{n}" for n in range(1, 8))

_format_checker = FormatChecker()


@_format_checker.checks("phone_number", raises=ValueError)
def _phone_number(instance: object) -> bool:
    if isinstance(instance, str):
        digits = re.sub(r"[\s().-]", "", instance).removeprefix("+")
        if not digits.isdigit():
            raise ValueError("Must not contain letters or symbols")
        if len(digits) < 8:
            raise ValueError("Not enough digits")
        if len(digits) > 15:
            raise ValueError("Too many digits")
    return True


@_format_checker.checks("email_address", raises=ValueError)
def _email_address(instance: object) -> bool:
    if isinstance(instance, str) and not re.fullmatch(
        r"[^\s@\"(),:;<>\[\\\]]+@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,}", instance
    ):
        raise ValueError("Not a valid email address")
    return True


@_format_checker.checks("postage", raises=ValueError)
def _postage(instance: object) -> bool:
    if isinstance(instance, str) and instance not in ("first", "second", "economy"):
        raise ValueError("invalid. It must be either first, second or economy.")
    return True


_UUID = {
    "type": "string",
    "pattern": "^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$",
    "validationMessage": "is not a valid UUID",
}
_PERSONALISATION = {"type": "object", "validationMessage": "should contain key value pairs"}
_REFERENCE = {"type": "string", "maxLength": 1000}


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }


SCHEMAS: dict[str, dict[str, Any]] = {
    "sms": _schema(
        {
            "reference": _REFERENCE,
            "phone_number": {"type": "string", "format": "phone_number"},
            "template_id": _UUID,
            "sms_sender_id": _UUID,
            "personalisation": _PERSONALISATION,
        },
        ["phone_number", "template_id"],
    ),
    "email": _schema(
        {
            "reference": _REFERENCE,
            "email_address": {"type": "string", "format": "email_address"},
            "template_id": _UUID,
            "email_reply_to_id": _UUID,
            "personalisation": _PERSONALISATION,
            "one_click_unsubscribe_url": {"type": "string"},
            "sanitise_content_for": {"type": "array", "items": {"type": "string"}},
        },
        ["email_address", "template_id"],
    ),
    "letter": _schema(
        {"reference": _REFERENCE, "template_id": _UUID, "personalisation": _PERSONALISATION},
        ["template_id", "personalisation"],
    ),
    "precompiled": _schema(
        {
            "reference": {"type": "string"},
            "content": {"type": "string"},
            "postage": {"type": "string", "format": "postage"},
        },
        ["reference", "content"],
    ),
}


def validate(body: object, kind: str) -> dict[str, Any]:
    """The body if it fits the kind's schema; else Notify's ValidationErrors, which name the
    field and the problem but never repeat the value sent."""
    validator = Draft7Validator(SCHEMAS[kind], format_checker=_format_checker)
    messages: list[str] = []
    for error in validator.iter_errors(body):
        message = _message(error)
        if message not in messages:
            messages.append(message)
    if messages:
        raise validation_errors(messages)
    assert isinstance(body, dict)
    return body


def _message(error: SchemaError) -> str:
    field = str(error.path[0]) if error.path else ""
    schema = error.schema if isinstance(error.schema, dict) else {}
    if "validationMessage" in schema:
        text = str(schema["validationMessage"])
    elif error.cause is not None:
        text = str(error.cause)
    elif error.validator == "type":
        text = f"is not of type {error.validator_value}"
    elif error.validator == "maxLength":
        text = f"is longer than {error.validator_value} characters"
    else:  # required, additionalProperties: these name fields, not values
        text = error.message.replace("'", "")
    return f"{field} {text}".strip()


def parse_json(raw: bytes) -> object:
    """The request's JSON, or Notify's answer to a body that is not JSON."""
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise bad_request("Invalid JSON supplied in POST data") from exc


@dataclass(frozen=True)
class Template:
    """One of the service's templates: its text with `((placeholders))`."""

    id: str
    type: NotificationType
    version: int
    name: str
    subject: str | None
    body: str

    def placeholders(self) -> list[str]:
        """The placeholder names the template uses, in order (Notify matches them ignoring
        case and spaces)."""
        seen: list[str] = []
        for name in re.findall(r"\(\(([^()]+)\)\)", f"{self.subject or ''}\n{self.body}"):
            if _key(name) not in map(_key, seen):
                seen.append(name.strip())
        return seen

    def render(self, personalisation: dict[str, Any]) -> tuple[str | None, str]:
        """Subject and body with the placeholders filled in; every placeholder needs a value."""
        values = {_key(name): value for name, value in personalisation.items()}
        missing = [name for name in self.placeholders() if _key(name) not in values]
        if missing:
            raise bad_request("Missing personalisation: " + ", ".join(missing))

        def fill(text: str) -> str:
            return re.sub(r"\(\(([^()]+)\)\)", lambda m: str(values[_key(m.group(1))]), text)

        return (fill(self.subject) if self.subject else None), fill(self.body)


def _key(name: str) -> str:
    return re.sub(r"\s", "", name).lower()


def load_templates(path: Path) -> dict[str, Template]:
    """The templates in a JSON file (a list of `Template` fields), by id."""
    templates = [Template(**entry) for entry in json.loads(path.read_text(encoding="utf-8"))]
    return {str(uuid.UUID(t.id)): t for t in templates}


def template_for(
    templates: dict[str, Template], template_id: str, kind: NotificationType
) -> Template:
    """The template a request names, if it exists and is of the request's kind."""
    template = templates.get(str(uuid.UUID(template_id)))
    if template is None:
        raise bad_request("Template not found")
    if template.type != kind:
        raise bad_request(f"{template.type} template is not suitable for {kind} notification")
    return template


def address_lines(personalisation: dict[str, Any]) -> list[str]:
    """A letter's address from its personalisation: at least 3 lines, at most 7."""
    lines = [str(personalisation.get(k) or "").strip() for k in ADDRESS_LINES]
    extra = [k for k in personalisation if k.startswith("address_line_") and k not in ADDRESS_LINES]
    filled = [line for line in lines if line]
    if extra:
        raise validation_errors(["Address must be no more than 7 lines"])
    if len(filled) < 3:
        raise validation_errors(["Address must be at least 3 lines"])
    return filled


def decode_pdf(content: str) -> bytes:
    """A precompiled letter's PDF from its base64 `content`."""
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_request("Cannot decode letter content (invalid base64 encoding)") from exc


def now_iso() -> str:
    """Notify's timestamps: UTC, ISO 8601 with microseconds and a `Z`."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
