"""Notify's error answers: `{"status_code": …, "errors": [{"error": …, "message": …}]}`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NotifyError(Exception):
    """An error the API answers with its status and one or more `{error, message}` items."""

    status_code: int
    error: str
    message: str
    more: list[dict[str, str]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        """The error body, as the real API sends it."""
        return {
            "status_code": self.status_code,
            "errors": [{"error": self.error, "message": self.message}, *self.more],
        }


def auth_error(message: str, status_code: int = 403) -> NotifyError:
    """A refused token (401 when there is none, 403 when it is wrong)."""
    return NotifyError(status_code, "AuthError", message)


def bad_request(message: str, status_code: int = 400) -> NotifyError:
    """A request the API cannot carry out (unknown template, missing personalisation, …)."""
    return NotifyError(status_code, "BadRequestError", message)


def validation_errors(messages: list[str]) -> NotifyError:
    """A body that fails the API's schema: one `ValidationError` per problem."""
    first, *rest = messages
    return NotifyError(
        400,
        "ValidationError",
        first,
        [{"error": "ValidationError", "message": message} for message in rest],
    )
