"""The one list of every topic: its event, who writes it and who reads it.

`docs/architecture.md` and the AsyncAPI document are generated from this list
(`vroeg docs`), so the map cannot drift from the code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from vroeg.shared.events import (
    AgreementChanged,
    CaseContactsChanged,
    CaseIntermediateResult,
    CaseOpened,
    CaseOutcomeRegistered,
    CaseReopened,
    CaseUpdated,
    ContactAttempted,
    CreditorKeyChanged,
    DebtHelpSignalHandled,
    Event,
    FirstContactDeadlineSet,
    FirstContactDueSoon,
    FirstContactMet,
    FirstContactMissed,
    Route,
    RouteFact,
    SignalFact,
    SignalForwarded,
    SignalReceived,
    SignalRefused,
    SignalRepeated,
    SignalRouted,
    TenantChanged,
)

# Each service and its job, in the order a signal meets them.
SERVICE_JOBS: dict[str, str] = {
    "intake": "Creditors (VLPs) deliver signals over HTTP; validates them against the Wgs and "
    "the covenant (domain §3–§4) and emits SignalReceived.",
    "brp-check": "Looks each debtor and household up in the BRP (Haal Centraal BRP Personen v2) "
    "and routes the signal (domain §5); reviewers decide what it cannot route (uitval) in its "
    "review API, audited and scoped to their municipalities.",
    "matcher": "Merges routed signals per household into cases (meldingen), one open case per "
    "household, whatever the order they arrive in; marks repeats, finds recidive and "
    "prioritises (domain §6); serves the case detail to case workers, and the CBS (DDAS) "
    "export, joining followup's attempts and outcomes by id (domain §9).",
    "followup": "Drives the help offer; fixes each case's first-contact deadline in working "
    "days from receipt, tightened when a crisis signal joins, and keeps the 28-day offer window "
    "(domain §7); holds the SHV professional's queue of residents known to debt help (R-BRP-4).",
    "feedback": "Keeps what each creditor may be told, from a closed set of feedback types, "
    "when domain §8 allows it — route feedback at once, a resident's only from the outcome — and "
    "serves each creditor its own feedback by polling with a stable cursor.",
    "reporting": "Computes the Monitor Vroegsignalering's indicators per municipality and period "
    "(domain §9, Bijlage 1) from lean facts only (no personal data), and rebuilds them from "
    "its fact topics (`vroeg reporting rebuild`).",
}
SERVICES = tuple(SERVICE_JOBS)


@dataclass(frozen=True)
class Topic:
    """A logical topic; the physical name gets the deployment's prefix (settings.topic)."""

    name: str
    event: type[Event]
    producer: str
    consumers: tuple[str, ...]
    description: str
    # Names, addresses (or keys made of them), BSNs or birth dates: the topic keeps records
    # no longer than the retention policy allows (R-MAT-5; `messaging.kafka.ensure_topics`).
    personal_data: bool
    # Kept per key forever (cleanup.policy=compact) rather than for the retention period: a
    # service that starts reading it later still learns every key's latest state.
    compacted: bool = False
    # A lean fact the monitor rebuilds its figures from (`vroeg reporting rebuild`): kept as
    # long as the monitor needs (retention.ms=-1); never with personal data.
    fact: bool = False

    def __post_init__(self) -> None:
        if self.fact and self.personal_data:
            raise ValueError(f"{self.name}: a fact topic carries no personal data")


SIGNAL_RECEIVED = Topic(
    "vroeg.intake.signal-received.v1",
    SignalReceived,
    "intake",
    ("brp-check",),
    "Signals accepted by intake, to be checked against the BRP.",
    personal_data=True,
)

SIGNAL_FACTS = Topic(
    "vroeg.intake.signal-facts.v1",
    SignalFact,
    "intake",
    ("reporting", "matcher"),
    "Every signal intake took up or refused, as a lean fact for the monitor: creditor and its "
    "type, kind, arrears type, amount, 4-digit postcode, age band, whether a phone and an "
    "e-mail came, receipt, the refusal reason (contracts.md). Published with SignalReceived or "
    "SignalRefused, in the same transaction. The matcher keeps the refused ones for the CBS "
    "export (domain §9).",
    personal_data=False,
    fact=True,
)

SIGNAL_REFUSED = Topic(
    "vroeg.intake.signal-refused.v1",
    SignalRefused,
    "intake",
    ("feedback",),
    "Signals intake did not take up, with the reason code (no personal data).",
    personal_data=False,
)

_ROUTE_CONSUMERS: dict[Route, tuple[str, ...]] = {
    # feedback reads every route whose signals can earn feedback, at once or by their outcome.
    Route.RESIDENT: ("matcher", "feedback"),
    Route.DECEASED: ("matcher", "feedback"),
    Route.MINOR: ("matcher", "feedback"),
    # The matcher keeps the signals that reach no case for the CBS export only (domain §9).
    Route.RELOCATED: ("matcher", "feedback"),
    Route.EMIGRATED: ("matcher", "feedback"),
    Route.DEBT_HELP: ("matcher", "followup", "feedback"),
    # Nobody reads it since reporting counts routes from RouteFact (lean): see UNREAD.
    Route.REVIEW: (),
    Route.LEGAL_PERSON: ("matcher", "feedback"),
}
_ROUTE_TEXT: dict[Route, str] = {
    Route.RESIDENT: "Residents of the municipality: a case is opened or joined.",
    Route.DECEASED: "Death registered (R-BRP-2): feedback OVERLEDEN; a case all the same.",
    Route.MINOR: "Under 18 on the signal date (R-BRP-3): a case flagged MINDERJARIG.",
    Route.RELOCATED: "Registered elsewhere (R-BRP-1): forwarded; creditor hears NIET_WOONACHTIG "
    "with doorgestuurd (false at once when the destination is unknown).",
    Route.EMIGRATED: "Emigrated: NIET_WOONACHTIG, not forwarded.",
    Route.DEBT_HELP: "Known to debt help (R-BRP-4): to the SHV queue; feedback BEKEND_BIJ_SHV "
    "only while the resident receives debt help (ACTIVE).",
    Route.REVIEW: "No single BRP match (R-BRP-5): the human review queue (uitval); once "
    "decided, the signal goes out again on the route the reviewer's choice gives.",
    Route.LEGAL_PERSON: "A reviewer marked the debtor a legal person (R-BRP-5): not processed; "
    "creditor hears NIET_OPGEPAKT RECHTSPERSOON.",
}
ROUTE_TOPICS: dict[Route, Topic] = {
    route: Topic(
        f"vroeg.brp-check.routed.{route.value}.v1",
        SignalRouted,
        "brp-check",
        _ROUTE_CONSUMERS[route],
        _ROUTE_TEXT[route],
        personal_data=True,
    )
    for route in Route
}

# Topics no service reads (any other topic without a reader is a mistake): the review route's
# SignalRouted carries personal data that only reporting read, to count it; reporting counts
# RouteFact now. brp-check still writes it, for its tests and any older reporting still
# reading; to be retired with them.
UNREAD: frozenset[str] = frozenset({ROUTE_TOPICS[Route.REVIEW].name})

ROUTE_FACTS = Topic(
    "vroeg.brp-check.route-facts.v1",
    RouteFact,
    "brp-check",
    ("reporting",),
    "Each route brp-check gave a signal, as a lean fact for the monitor: `review`, then the "
    "reviewer's final route (`reviewed`), debt-help standing, age band, household size and "
    "minors (contracts.md). Published with SignalRouted, in the same transaction.",
    personal_data=False,
    fact=True,
)

CASE_OPENED = Topic(
    "vroeg.matcher.case-opened.v2",
    CaseOpened,
    "matcher",
    ("followup", "reporting"),
    "A new case (melding) for a household, with its whole lean state (no names, addresses or "
    "household key: a lean fact, contracts.md).",
    personal_data=False,
    fact=True,
)

CASE_UPDATED = Topic(
    "vroeg.matcher.case-updated.v1",
    CaseUpdated,
    "matcher",
    ("followup", "reporting"),
    "A case changed (signal joined or moved out, crisis raised, flags, matching period, "
    "household, recidive, priority, closed, reopened): what changed and why, and its whole "
    "lean state after.",
    personal_data=False,
    fact=True,
)

CASE_CONTACTS = Topic(
    "vroeg.matcher.case-contacts.v1",
    CaseContactsChanged,
    "matcher",
    ("followup",),
    "How to reach a case's resident (name, address lines, phone, e-mail) as its signals tell, "
    "for followup's contact plan only (R-FU-3); kept by followup until erased (R-MAT-5).",
    personal_data=True,
)

SIGNAL_REPEATED = Topic(
    "vroeg.matcher.signal-repeated.v1",
    SignalRepeated,
    "matcher",
    ("feedback",),
    "A signal repeats an earlier one on the same debt (R-IN-5): no new help offer; the "
    "creditor may hear NIET_OPGEPAKT HERHAALD_SIGNAAL.",
    # The creditor's own reference for its customer.
    personal_data=True,
)

CASE_OUTCOME_REGISTERED = Topic(
    "vroeg.followup.case-outcome-registered.v1",
    CaseOutcomeRegistered,
    "followup",
    ("matcher", "feedback", "reporting"),
    "A case's outcome was registered, which closes it (R-FU-4); with the signal ids it held, "
    "the creditor's pause when help was accepted and whether the resident's written consent to "
    "tell the creditor was recorded.",
    personal_data=False,
    fact=True,
)

CASE_REOPENED = Topic(
    "vroeg.followup.case-reopened.v1",
    CaseReopened,
    "followup",
    ("matcher",),
    "A closed case was reopened, with the reason (§8.8.2).",
    # The reason is free text a case worker typed.
    personal_data=True,
)

CASE_INTERMEDIATE_RESULT = Topic(
    "vroeg.followup.case-intermediate-result.v1",
    CaseIntermediateResult,
    "followup",
    ("reporting",),
    "14 days after a case opened with no outcome registered: the intermediate result (reached "
    "or not) and the day its 28-day offer window ends (R-FU-5).",
    personal_data=False,
    fact=True,
)

DEBT_HELP_SIGNAL_HANDLED = Topic(
    "vroeg.followup.debt-help-signal-handled.v1",
    DebtHelpSignalHandled,
    "followup",
    ("matcher", "feedback", "reporting"),
    "An SHV professional handled a signal of a resident known to debt help (R-BRP-4): the "
    "outcome (R-FU-4) and the debt-help standing, no personal data.",
    personal_data=False,
    fact=True,
)

FIRST_CONTACT_DEADLINE_SET = Topic(
    "vroeg.followup.first-contact-deadline-set.v1",
    FirstContactDeadlineSet,
    "followup",
    ("reporting",),
    "The date the first contact attempt of a case is due (R-FU-1).",
    personal_data=False,
    fact=True,
)

FIRST_CONTACT_DUE_SOON = Topic(
    "vroeg.followup.first-contact-due-soon.v1",
    FirstContactDueSoon,
    "followup",
    ("reporting",),
    "A case's first contact is due soon and nobody has tried yet (R-FU-1); for alerting and "
    "the work queue's badges.",
    personal_data=False,
    fact=True,
)

FIRST_CONTACT_MISSED = Topic(
    "vroeg.followup.first-contact-missed.v1",
    FirstContactMissed,
    "followup",
    ("reporting",),
    "A case's first-contact deadline passed without a person's attempt (R-FU-1).",
    personal_data=False,
    fact=True,
)

FIRST_CONTACT_MET = Topic(
    "vroeg.followup.first-contact-met.v1",
    FirstContactMet,
    "followup",
    ("matcher", "reporting"),
    "A person's first attempt picked a case up (R-FU-1), on time or late.",
    personal_data=False,
    fact=True,
)

CONTACT_ATTEMPTED = Topic(
    "vroeg.followup.contact-attempted.v1",
    ContactAttempted,
    "followup",
    ("matcher", "reporting"),
    "A contact attempt and its result (R-FU-2), as a lean fact.",
    personal_data=False,
    fact=True,
)

CREDITOR_KEYS = Topic(
    "vroeg.intake.creditor-keys.v1",
    CreditorKeyChanged,
    "intake",
    ("feedback",),
    "Creditor API keys as issued and revoked (secret hashes only); compacted, keyed by key id. "
    "Each service that takes creditor keys checks them against its own table built from it.",
    personal_data=False,
    compacted=True,
)

TENANTS = Topic(
    "vroeg.intake.tenants.v1",
    TenantChanged,
    "intake",
    ("feedback",),
    "The tenant registry (domain §10): the municipalities this deployment serves, and where "
    "the others' vroeg deployments are reached, with the API keys presented there (secrets: an "
    "internal topic); compacted, keyed by CBS code. Each reader keeps its own table built from it.",
    personal_data=False,
    compacted=True,
)

AGREEMENTS = Topic(
    "vroeg.intake.agreements.v1",
    AgreementChanged,
    "intake",
    ("reporting",),
    "Creditors' agreements with municipalities (R-IN-7) as saved, ended or deleted, a lean fact "
    "for the monitor (agreements in force, a creditor gone silent): creditor and its type, "
    "municipality, first and last day; compacted, keyed by creditor and municipality. Published "
    "in the transaction that changes the agreement.",
    personal_data=False,
    compacted=True,
    fact=True,
)

SIGNAL_FORWARDED = Topic(
    "vroeg.feedback.signal-forwarded.v1",
    SignalForwarded,
    "feedback",
    ("reporting",),
    "A relocated signal forwarded to the competent municipality (Awb 2:3), or why it was not; "
    "a lean fact, no personal data.",
    personal_data=False,
)

TOPICS: tuple[Topic, ...] = (
    SIGNAL_RECEIVED,
    SIGNAL_FACTS,
    SIGNAL_REFUSED,
    *ROUTE_TOPICS.values(),
    ROUTE_FACTS,
    CASE_OPENED,
    CASE_UPDATED,
    CASE_CONTACTS,
    SIGNAL_REPEATED,
    CASE_OUTCOME_REGISTERED,
    CASE_REOPENED,
    CASE_INTERMEDIATE_RESULT,
    DEBT_HELP_SIGNAL_HANDLED,
    FIRST_CONTACT_DEADLINE_SET,
    FIRST_CONTACT_DUE_SOON,
    FIRST_CONTACT_MISSED,
    FIRST_CONTACT_MET,
    CONTACT_ATTEMPTED,
    CREDITOR_KEYS,
    TENANTS,
    AGREEMENTS,
    SIGNAL_FORWARDED,
)


def dead_letter_topic(service: str) -> str:
    """Where a service parks the events it could not process after its bounded retries.

    It holds copies of whatever the service reads, so it counts as carrying personal data.
    """
    return f"vroeg.{service}.dead-letter.v1"


def topic_for(event: Event) -> Topic:
    """The topic an event is published on."""
    if isinstance(event, SignalRouted):
        return ROUTE_TOPICS[event.route]
    return _topic_of(type(event))


@functools.cache
def _topic_of(event_type: type[Event]) -> Topic:
    """The one topic of an event type (asked per event published: looked up once)."""
    matches = [t for t in TOPICS if issubclass(event_type, t.event)]
    if len(matches) != 1:
        raise LookupError(f"no single topic for {event_type.__name__}")
    return matches[0]


def consumed_by(service: str) -> tuple[Topic, ...]:
    """The topics a service reads."""
    return tuple(t for t in TOPICS if service in t.consumers)


def produced_by(service: str) -> tuple[Topic, ...]:
    """The topics a service writes."""
    return tuple(t for t in TOPICS if t.producer == service)
