"""The binary-mode CloudEvents envelope."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from uuid import uuid4

import pytest

from tests.support.signals import resident_signal, routed_signal
from vroeg.shared.cloudevents import UndecodableMessage, decode, encode, header_map
from vroeg.shared.events import (
    CaseOutcomeRegistered,
    OutcomeCategory,
    OutcomeDetail,
    RefusalReason,
    RepeatKind,
    SignalReceived,
    SignalRefused,
    SignalRepeated,
    SignalRouted,
    TenantChanged,
)


def test_an_event_survives_encoding_with_its_id_time_and_trace() -> None:
    event = routed_signal()
    trace = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    message = encode(event, topic="t", source="/vroeg/brp-check", trace=trace)
    headers = header_map(message.headers)
    assert headers["ce_type"] == "nl.vroeg.signal.routed.v2"
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


TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_record_carries_exactly_the_cloudevents_headers_and_a_compact_value() -> None:
    event = routed_signal()
    message = encode(
        event, topic="t.routed", source="/vroeg/brp-check", trace={"traceparent": TRACEPARENT}
    )
    assert message.topic == "t.routed"
    assert header_map(message.headers) == {
        "ce_specversion": "1.0",
        "ce_id": str(event.id),
        "ce_source": "/vroeg/brp-check",
        "ce_type": "nl.vroeg.signal.routed.v2",
        "ce_time": event.occurred_at.isoformat(),
        "ce_municipality": "0363",
        "content-type": "application/json",
        "traceparent": TRACEPARENT,
    }
    # The id and time travel only as ce_id and ce_time; the value is compact JSON.
    data = json.loads(message.value)
    assert "id" not in data
    assert "occurred_at" not in data
    assert message.value == json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def test_header_bytes_that_are_not_utf8_are_replaced_not_fatal() -> None:
    assert header_map([("ce_source", b"/vroeg/\xff")]) == {"ce_source": "/vroeg/\ufffd"}
    assert header_map(None) == {}


@pytest.mark.parametrize(
    ("change", "value", "message"),
    [
        ({"ce_specversion": b"0.3"}, None, r"^not a CloudEvents 1\.0 record$"),
        (
            {"ce_type": b"nl.vroeg.unknown.v9"},
            None,
            r"^unknown event type 'nl\.vroeg\.unknown\.v9'$",
        ),
        ({}, b"[1, 2]", r"^event data is not a JSON object$"),
        (
            {},
            b'{"route": "nowhere"}',
            r"^invalid nl\.vroeg\.signal\.routed\.v2: ValidationError: .*route: enum",
        ),
    ],
)
def test_an_undecodable_record_says_why(
    change: dict[str, bytes], value: bytes | None, message: str
) -> None:
    record = encode(routed_signal(), topic="t", source="/s", trace={})
    headers = [(k, change.get(k, v)) for k, v in record.headers]
    with pytest.raises(UndecodableMessage, match=message):
        decode(headers, value if value is not None else record.value)


def _as_v1(
    message_headers: list[tuple[str, bytes]], value: bytes, kind: str
) -> tuple[list[tuple[str, bytes]], bytes]:
    """A record as version 1 of the event was written: no `received_at` in its signal."""
    data = json.loads(value)
    del data["signal"]["received_at"]
    for key in ("bsn", "debt_help", "destination_known"):
        data.pop(key, None)
    headers = [
        (k, f"nl.vroeg.{kind}.v1".encode() if k == "ce_type" else v) for k, v in message_headers
    ]
    return headers, json.dumps(data).encode()


def test_a_v1_signal_received_reads_its_receipt_from_the_record_time() -> None:
    event = resident_signal(1)
    message = encode(event, topic="t", source="/vroeg/intake", trace={})
    headers, value = _as_v1(list(message.headers), message.value, "signal.received")
    decoded = decode(headers, value)
    assert isinstance(decoded, SignalReceived)
    assert decoded.signal.received_at == event.occurred_at


def test_a_v1_signal_routed_counts_from_its_signal_date_never_later_than_receipt() -> None:
    event = routed_signal()
    message = encode(event, topic="t", source="/vroeg/brp-check", trace={})
    headers, value = _as_v1(list(message.headers), message.value, "signal.routed")
    decoded = decode(headers, value)
    assert isinstance(decoded, SignalRouted)
    assert decoded.signal.received_at == datetime.combine(
        event.signal.signal_date, time(), tzinfo=UTC
    )
    assert decoded.signal.received_at <= event.signal.received_at


@pytest.mark.parametrize(
    ("category", "detail", "paused_until"),
    [
        # Closed at 23:30 UTC on 30 November: 1 December in Dutch time, +30 days (R-FU-5).
        (OutcomeCategory.WIL_HULP, OutcomeDetail.QUICK_FIX, date(2026, 12, 31)),
        (OutcomeCategory.NIET_BEREIKT, OutcomeDetail.GEEN_CONTACT, None),
        (None, OutcomeDetail.OVERLEDEN, None),
    ],
)
def test_a_v1_outcome_reads_with_the_creditors_pause_computed(
    category: OutcomeCategory | None, detail: OutcomeDetail, paused_until: date | None
) -> None:
    closed_at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    event = CaseOutcomeRegistered(
        municipality="0363",
        occurred_at=closed_at,
        case_id=uuid4(),
        signal_ids=(uuid4(),),
        category=category,
        detail=detail,
        closed_at=closed_at,
        collection_paused_until=paused_until,
    )
    message = encode(event, topic="t", source="/vroeg/followup", trace={})
    data = json.loads(message.value)
    del data["collection_paused_until"]
    headers = [
        (k, b"nl.vroeg.case.outcome-registered.v1" if k == "ce_type" else v)
        for k, v in message.headers
    ]
    decoded = decode(headers, json.dumps(data).encode())
    assert decoded == event


def test_a_v1_registry_entry_reads_as_v2_without_its_plain_text_keys() -> None:
    changed_at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    entry = TenantChanged(
        municipality="0599",
        occurred_at=changed_at,
        served_here=False,
        intake_url="https://vroeg.rotterdam.example/",
        changed_at=changed_at,
    )
    message = encode(entry, topic="t", source="/vroeg/intake", trace={})
    data = json.loads(message.value)
    data["api_keys"] = {"0363": "vroeg_0123456789abcdef.plain-text-key-of-v1-000"}
    headers = [
        (k, b"nl.vroeg.tenant.changed.v1" if k == "ce_type" else v) for k, v in message.headers
    ]
    # The entry as it was, but a plain-text key is never taken from the topic: intake
    # re-publishes the entry sealed (`vroeg.intake.registry_republish`).
    assert decode(headers, json.dumps(data).encode()) == entry


def test_a_v2_outcome_reads_as_one_without_the_residents_consent() -> None:
    closed_at = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    event = CaseOutcomeRegistered(
        municipality="0363",
        occurred_at=closed_at,
        case_id=uuid4(),
        signal_ids=(uuid4(),),
        category=OutcomeCategory.WIL_GEEN_HULP,
        detail=OutcomeDetail.ZELF_GEREGELD,
        closed_at=closed_at,
        creditor_consent=True,
    )
    message = encode(event, topic="t", source="/vroeg/followup", trace={})
    data = json.loads(message.value)
    del data["creditor_consent"]
    headers = [
        (k, b"nl.vroeg.case.outcome-registered.v2" if k == "ce_type" else v)
        for k, v in message.headers
    ]
    decoded = decode(headers, json.dumps(data).encode())
    # v2 could not show consent: WIL_GEEN_HULP may then not be told (§6).
    assert decoded == event.model_copy(update={"creditor_consent": False})


@pytest.mark.parametrize(
    "event",
    [
        SignalRefused(
            municipality="0599",
            occurred_at=datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
            signal_id=uuid4(),
            vlp_id="woonstad",
            vlp_reference="WS-1",
            reason=RefusalReason.ONDER_DREMPEL,
            rule="R-IN-4",
            policy_version=1,
            forwarded_by="0363",
        ),
        SignalRepeated(
            municipality="0599",
            occurred_at=datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
            signal_id=uuid4(),
            vlp_id="woonstad",
            vlp_reference="WS-1",
            repeat_of=uuid4(),
            repeat_kind=next(iter(RepeatKind)),
            case_id=uuid4(),
            forwarded_by="0363",
        ),
    ],
)
def test_a_v1_refusal_or_repeat_reads_as_not_forwarded(
    event: SignalRefused | SignalRepeated,
) -> None:
    message = encode(event, topic="t", source="/vroeg/intake", trace={})
    data = json.loads(message.value)
    del data["forwarded_by"]
    v1 = f"nl.vroeg.{event.event_type}.v1".encode()
    headers = [(k, v1 if k == "ce_type" else v) for k, v in message.headers]
    # v1 could not say: its feedback stays the creditor's, as it was before v2.
    assert decode(headers, json.dumps(data).encode()) == event.model_copy(
        update={"forwarded_by": None}
    )
