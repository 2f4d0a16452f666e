"""Standard Webhooks signatures (https://www.standardwebhooks.com): `webhook-id`,
`webhook-timestamp`, `webhook-signature`, made with the `standardwebhooks` package, which a
creditor verifies with in any language."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret, `whsec_` + base64 of 256 random bits."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers(
    message_id: str, body: str, secrets_in_use: Sequence[str], *, at: datetime | None = None
) -> dict[str, str]:
    """The headers of one attempt: signed with every secret in use (during a rotation's
    overlap the new and the previous one), space-separated as the specification allows, so a
    receiver that knows either verifies. The timestamp is the attempt's, in real time."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    signatures = [Webhook(secret).sign(message_id, moment, body) for secret in secrets_in_use]
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
