"""Every event the services exchange: one typed, versioned definition each.

Facts are named in the past tense. Each event carries its id, its municipality and when it
happened; the trace context travels beside it in the message headers (see `cloudevents`).
A change that breaks a consumer gets a new `event_version`, never an edit in place.

The definitions live by subject in this package's modules; every name is importable from
`vroeg.shared.events`. Here: the catalogue of event types, and how older versions are read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from vroeg.shared.events.base import (
    Address,
    CaseChange,
    CaseSignalFact,
    CaseState,
    EarlierCase,
    Event,
    Household,
    Person,
    Priority,
    ScorePart,
    SignalData,
)
from vroeg.shared.events.cases import (
    CaseContactsChanged,
    CaseOpened,
    CaseUpdated,
    SignalRepeated,
)
from vroeg.shared.events.followup import (
    CaseIntermediateResult,
    CaseOutcomeRegistered,
    CaseReopened,
    ContactAttempted,
    DebtHelpSignalHandled,
    FirstContactDeadlineSet,
    FirstContactDueSoon,
    FirstContactMet,
    FirstContactMissed,
)
from vroeg.shared.events.registry import (
    AgreementChanged,
    CreditorKeyChanged,
    TenantChanged,
)
from vroeg.shared.events.signals import (
    RouteFact,
    SignalFact,
    SignalForwarded,
    SignalReceived,
    SignalRefused,
    SignalRouted,
)
from vroeg.shared.events.vocabulary import (
    COLLECTION_PAUSE_DAYS,
    CRISIS_FIRST_CONTACT_WORKING_DAYS,
    CRISIS_KINDS,
    TEXT_PATTERN,
    AgeBand,
    ArrearsType,
    Attestation,
    Bsn,
    CaseChangeKind,
    CaseFlag,
    CaseStatus,
    ContactKind,
    ContactResult,
    DebtHelpStanding,
    ForwardingOutcome,
    KeyHolderKind,
    MunicipalityCode,
    Name,
    OutcomeCategory,
    OutcomeDetail,
    PartOfDay,
    Postcode,
    PostcodeArea,
    Reference,
    RefusalReason,
    RepeatKind,
    Route,
    SignalKind,
    Text,
    VlpType,
    age_band,
    collection_paused_until,
    now_utc,
)

__all__ = [
    "COLLECTION_PAUSE_DAYS",
    "CRISIS_FIRST_CONTACT_WORKING_DAYS",
    "CRISIS_KINDS",
    "EVENT_CLASSES",
    "EVENT_TYPES",
    "LEGACY_EVENT_TYPES",
    "TEXT_PATTERN",
    "Address",
    "AgeBand",
    "AgreementChanged",
    "ArrearsType",
    "Attestation",
    "Bsn",
    "CaseChange",
    "CaseChangeKind",
    "CaseContactsChanged",
    "CaseFlag",
    "CaseIntermediateResult",
    "CaseOpened",
    "CaseOutcomeRegistered",
    "CaseReopened",
    "CaseSignalFact",
    "CaseState",
    "CaseStatus",
    "CaseUpdated",
    "ContactAttempted",
    "ContactKind",
    "ContactResult",
    "CreditorKeyChanged",
    "DebtHelpSignalHandled",
    "DebtHelpStanding",
    "EarlierCase",
    "Event",
    "FirstContactDeadlineSet",
    "FirstContactDueSoon",
    "FirstContactMet",
    "FirstContactMissed",
    "ForwardingOutcome",
    "Household",
    "KeyHolderKind",
    "MunicipalityCode",
    "Name",
    "OutcomeCategory",
    "OutcomeDetail",
    "PartOfDay",
    "Person",
    "Postcode",
    "PostcodeArea",
    "Priority",
    "Reference",
    "RefusalReason",
    "RepeatKind",
    "Route",
    "RouteFact",
    "ScorePart",
    "SignalData",
    "SignalFact",
    "SignalForwarded",
    "SignalKind",
    "SignalReceived",
    "SignalRefused",
    "SignalRepeated",
    "SignalRouted",
    "TenantChanged",
    "Text",
    "VlpType",
    "age_band",
    "collection_paused_until",
    "now_utc",
]


EVENT_CLASSES: tuple[type[Event], ...] = (
    SignalReceived,
    SignalRefused,
    SignalRouted,
    CaseOpened,
    CaseUpdated,
    CaseContactsChanged,
    SignalRepeated,
    CaseOutcomeRegistered,
    CaseReopened,
    CaseIntermediateResult,
    DebtHelpSignalHandled,
    FirstContactDeadlineSet,
    FirstContactDueSoon,
    FirstContactMissed,
    FirstContactMet,
    ContactAttempted,
    CreditorKeyChanged,
    TenantChanged,
    AgreementChanged,
    SignalForwarded,
    SignalFact,
    RouteFact,
)


EVENT_TYPES: dict[str, type[Event]] = {cls.cloudevents_type(): cls for cls in EVENT_CLASSES}


def _signal_received_v1(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # intake published SignalReceived in the transaction that received the signal.
    return {**data, "signal": {**data["signal"], "received_at": occurred_at}}


def _signal_routed_v1(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # The receipt is not in a v1 record; the signal's own date is no later than it, so a
    # deadline counted from it (R-FU-1) is never later than the law allows.
    signal = data["signal"]
    received_at = f"{signal['signal_date']}T00:00:00+00:00"
    return {**data, "signal": {**signal, "received_at": received_at}}


def _case_outcome_registered_v1(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # v1 had no pause: computed from the outcome as v2's producer does (R-FU-5).
    category = OutcomeCategory(data["category"]) if data.get("category") else None
    paused = collection_paused_until(category, datetime.fromisoformat(data["closed_at"]))
    return _case_outcome_registered_v2(
        {**data, "collection_paused_until": paused.isoformat() if paused else None}, occurred_at
    )


def _case_outcome_registered_v2(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # v2 did not say whether consent was recorded: read as not recorded, so the creditor never
    # hears WIL_GEEN_HULP on an outcome that cannot show it (§6).
    return {**data, "creditor_consent": False}


def _not_forwarded(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # SignalRefused v1 and SignalRepeated v1 did not say: read as not forwarded (as before).
    return {**data, "forwarded_by": None}


def _tenant_changed_v1(data: dict[str, Any], occurred_at: str) -> dict[str, Any]:
    # v1's keys were in plain text: never taken from the topic. intake re-publishes every entry,
    # sealed, at start, which replaces the record on the compacted topic and in every table.
    return {name: value for name, value in data.items() if name != "api_keys"}


# Records of an older version that may still be on a topic after an upgrade: read as the
# current version (the upcaster gets the data and the record's `ce_time`).
LEGACY_EVENT_TYPES: dict[
    str, tuple[type[Event], Callable[[dict[str, Any], str], dict[str, Any]]]
] = {
    "nl.vroeg.signal.received.v1": (SignalReceived, _signal_received_v1),
    "nl.vroeg.signal.routed.v1": (SignalRouted, _signal_routed_v1),
    "nl.vroeg.case.outcome-registered.v1": (CaseOutcomeRegistered, _case_outcome_registered_v1),
    "nl.vroeg.case.outcome-registered.v2": (CaseOutcomeRegistered, _case_outcome_registered_v2),
    "nl.vroeg.signal.refused.v1": (SignalRefused, _not_forwarded),
    "nl.vroeg.signal.repeated.v1": (SignalRepeated, _not_forwarded),
    "nl.vroeg.tenant.changed.v1": (TenantChanged, _tenant_changed_v1),
}
