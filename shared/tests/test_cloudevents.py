"""The binary-mode CloudEvents envelope."""

from __future__ import annotations

import pytest

from tests.support.signals import routed_signal
from vroeg.shared.cloudevents import UndecodableMessage, decode, encode, header_map


def test_an_event_survives_encoding_with_its_id_time_and_trace() -> None:
    event = routed_signal()
    trace = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    message = encode(event, topic="t", source="/vroeg/brp-check", trace=trace)
    headers = header_map(message.headers)
    assert headers["ce_type"] == "nl.vroeg.signal.routed.v1"
    assert headers["ce_municipality"] == "0363"
    assert headers["traceparent"] == trace["traceparent"]
    assert message.key == b"0363010000000001"
    assert decode(message.headers, message.value) == event


def test_an_unknown_event_type_is_undecodable() -> None:
    message = encode(routed_signal(), topic="t", source="/s", trace={})
    headers = [(k, b"nl.vroeg.unknown.v9" if k == "ce_type" else v) for k, v in message.headers]
    with pytest.raises(UndecodableMessage, match="unknown event type"):
        decode(headers, message.value)


def test_data_that_breaks_the_schema_is_undecodable() -> None:
    message = encode(routed_signal(), topic="t", source="/s", trace={})
    with pytest.raises(UndecodableMessage, match="invalid"):
        decode(message.headers, b'{"route": "nowhere"}')
