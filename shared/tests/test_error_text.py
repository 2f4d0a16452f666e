"""What logs, spans and dead-letter headers may say of an error: never a value it was given."""

from __future__ import annotations

import pytest

from vroeg.shared.messaging.consumer import DependencyUnavailable
from vroeg.shared.telemetry import error_text


@pytest.mark.parametrize(
    "error",
    [
        KeyError("Jansen"),
        ValueError("invalid literal for int() with base 10: 'Jansen 999999990'"),
        LookupError("no household for Jansen, Dorpsstraat 1"),
    ],
    ids=["key", "literal", "lookup"],
)
def test_a_library_error_is_told_by_its_class_alone(error: Exception) -> None:
    assert error_text(error) == type(error).__name__


def test_our_own_and_network_errors_keep_their_text() -> None:
    assert error_text(DependencyUnavailable("brp: circuit open")) == (
        "DependencyUnavailable: brp: circuit open"
    )
    assert "Connect call failed" in error_text(
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
    )
