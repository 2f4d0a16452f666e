"""Forwarding relocated signals to the competent municipality (Awb 2:3, R-BRP-1).

A signal the BRP check routes `relocated` with a known destination is looked up in the tenant
registry (`vroeg.shared.tenants`, built from intake's events):

- the destination's vroeg deployment is known, with a key for the forwarding municipality →
  the forward is recorded WAITING, with the body to post, in the transaction that handles the
  route (an outbox). A periodic job posts it without delay to `POST /v1/doorgestuurde-signalen`
  on that intake — also when it is another tenant of this deployment — trusting the entry's
  CA, and retries with capped backoff until that intake acknowledges (2xx; it is idempotent
  by the original reference, so a post repeated after a crash is one signal there). Then the
  creditor hears NIET_WOONACHTIG `doorgestuurd` true, and the body (personal data) is erased.
  Each forward is claimed with FOR UPDATE SKIP LOCKED, so replicas never post one twice at once.
- no entry, no intake URL, or no key for the forwarding municipality → not forwarded, with the
  reason, visible to staff (`forwarding_api`); the creditor hears NIET_WOONACHTIG
  `doorgestuurd` false.
- the receiving intake refuses it (a 4xx that retrying will not mend) → not forwarded
  (`REFUSED`, with the status), likewise; a person must act.

Each decision is a lean `SignalForwarded` fact. Where a forward went is never told the creditor.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from collections.abc import Sequence
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import httpx

from vroeg.feedback import forwarding_repository as forwards
from vroeg.feedback import repository, rules
from vroeg.feedback.models import Feedback, Forward
from vroeg.feedback.settings import Settings
from vroeg.shared import tenants
from vroeg.shared.events import ForwardingOutcome, Route, SignalForwarded, SignalRouted, now_utc
from vroeg.shared.messaging.unit_of_work import Database, UnitOfWork
from vroeg.shared.service import Resources
from vroeg.shared.supervision import PeriodicJob
from vroeg.shared.tenants import TenantEntry

log = logging.getLogger(__name__)

FORWARD_PATH = "/v1/doorgestuurde-signalen"
# Statuses that say "not now" rather than "never": the post is tried again.
_TRY_AGAIN = frozenset(
    {HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.TOO_EARLY, HTTPStatus.TOO_MANY_REQUESTS}
)


def takes(event: SignalRouted) -> bool:
    """Whether forwarding decides a routed signal: relocated, to a known municipality."""
    return (
        event.route == Route.RELOCATED
        and event.destination_known is not False
        and event.registered_municipality is not None
    )


def forward_body(event: SignalRouted) -> dict[str, Any]:
    """What the receiving intake is sent: the signal as its creditor delivered it (R-IN-6's
    fields only: no BSN, no household), for the destination, with its provenance."""
    signal = event.signal
    assert event.registered_municipality is not None
    body: dict[str, Any] = {
        "vlpReference": signal.vlp_reference,
        "municipality": event.registered_municipality,
        "kind": signal.kind.value,
        "arrearsType": signal.arrears_type.value,
        "signalDate": signal.signal_date.isoformat(),
        "address": signal.address.model_dump(mode="json", exclude_none=True),
        "amount": format(signal.amount, "f"),
        "oldestDueDate": signal.oldest_due_date.isoformat(),
        "socialCollection": {attestation.value: True for attestation in signal.social_collection},
        "originalVlp": {"id": signal.vlp_id, "type": signal.vlp_type.value},
        "originalReceivedAt": signal.received_at.isoformat(),
    }
    optional = {
        "debtor": signal.debtor.model_dump(mode="json", exclude_none=True)
        if signal.debtor
        else None,
        "businessName": signal.business_name,
        "phone": signal.phone,
        "email": signal.email,
        "unpaidInstallments": signal.unpaid_installments,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    return body


def unreachable(
    entry: TenantEntry | None, forwarding_municipality: str
) -> ForwardingOutcome | None:
    """Why a destination cannot be forwarded to, or None when it can."""
    if entry is None or entry.intake_url is None:
        return ForwardingOutcome.NOT_IN_REGISTRY
    if not entry.has_key_for(forwarding_municipality):
        return ForwardingOutcome.NO_KEY
    return None


def backoff(attempts: int, maximum_s: float) -> timedelta:
    """The pause after the `attempts`-th failed post: 1 s, doubling, capped."""
    return timedelta(seconds=min(maximum_s, 2.0 ** max(0, attempts - 1)))


async def on_relocated(uow: UnitOfWork, event: SignalRouted) -> None:
    """Record the forward of a relocated signal (WAITING), or why it cannot be forwarded."""
    assert event.registered_municipality is not None
    signal, now = event.signal, now_utc()
    entry = await tenants.entry(uow.session, event.registered_municipality)
    why_not = unreachable(entry, event.municipality)
    forward = Forward(
        signal_id=signal.signal_id,
        municipality=event.municipality,
        destination=event.registered_municipality,
        vlp_id=signal.vlp_id,
        vlp_reference=signal.vlp_reference,
        remote_signal_id=None,
        status=forwards.WAITING if why_not is None else forwards.NOT_FORWARDED,
        outcome=why_not,
        payload=forward_body(event) if why_not is None else None,
        attempts=0,
        next_attempt_at=now,
        last_error=None,
        created_at=now,
        decided_at=None if why_not is None else now,
    )
    if not await forwards.add_forward(uow.session, forward) or why_not is None:
        return
    await _decided(uow, forward, why_not)


async def _decided(uow: UnitOfWork, forward: Forward, outcome: ForwardingOutcome) -> None:
    """The creditor hears NIET_WOONACHTIG, forwarded or not (never where); the fact goes out."""
    now = now_utc()
    await repository.add_feedback(
        uow.session,
        Feedback.of(
            rules.feedback_for_forwarding(outcome == ForwardingOutcome.FORWARDED),
            signal_id=forward.signal_id,
            vlp_id=forward.vlp_id,
            vlp_reference=forward.vlp_reference,
            municipality=forward.municipality,
            forwarded_by=None,
            now=now,
        ),
    )
    await uow.publish(
        SignalForwarded(
            municipality=forward.municipality,
            occurred_at=now,
            signal_id=forward.signal_id,
            vlp_id=forward.vlp_id,
            destination=forward.destination,
            outcome=outcome,
            attempts=forward.attempts,
        )
    )


class Forwarder:
    """Posts the waiting forwards that are due, one transaction each."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self._database = database
        self._settings = settings

    async def run(self) -> int:
        """One pass over what is due; how many forwards it decided."""
        decided = 0
        while True:
            async with self._database.unit_of_work() as uow:
                forward = await forwards.next_due(uow.session, now_utc())
                if forward is None:
                    return decided
                decided += await self._post(uow, forward)

    async def _post(self, uow: UnitOfWork, forward: Forward) -> int:
        entry = await tenants.entry(uow.session, forward.destination)
        assert forward.payload is not None
        why_not = unreachable(entry, forward.municipality)
        if why_not is not None or entry is None:
            # The registry lost the entry (or its key) meanwhile: tell the creditor it was not.
            return await self._decide(uow, forward, why_not or ForwardingOutcome.NOT_IN_REGISTRY)
        forward.attempts += 1
        try:
            response = await self._send(entry, forward)
        except (httpx.HTTPError, ssl.SSLError, OSError, tenants.UnreadableKey) as exc:
            # The error's class only: a message could quote what was sent.
            return self._later(forward, type(exc).__name__)
        status = response.status_code
        if status < 300:
            # The signal's id there: its feedback, polled later, names it (forwarded_feedback).
            forward.remote_signal_id = _acknowledged_id(response)
            return await self._decide(uow, forward, ForwardingOutcome.FORWARDED)
        if status >= 500 or status in _TRY_AGAIN:
            return self._later(forward, f"HTTP {status}")
        forward.last_error = f"HTTP {status}"
        return await self._decide(uow, forward, ForwardingOutcome.REFUSED)

    async def _send(self, entry: TenantEntry, forward: Forward) -> httpx.Response:
        assert entry.intake_url is not None
        key = entry.key_for(forward.municipality, self._settings.registry_keyring)
        assert key is not None
        async with client(entry, entry.intake_url, self._settings.forwarding_timeout_s) as http:
            return await http.post(FORWARD_PATH, json=forward.payload, headers={"X-Api-Key": key})

    def _later(self, forward: Forward, error: str) -> int:
        forward.last_error = error
        forward.next_attempt_at = now_utc() + backoff(
            forward.attempts, self._settings.forwarding_max_backoff_s
        )
        log.warning(
            "forward not acknowledged; trying again",
            extra={
                "signal_id": str(forward.signal_id),
                "attempts": forward.attempts,
                "error": error,
            },
        )
        return 0

    async def _decide(self, uow: UnitOfWork, forward: Forward, outcome: ForwardingOutcome) -> int:
        forward.status = (
            forwards.FORWARDED if outcome == ForwardingOutcome.FORWARDED else forwards.NOT_FORWARDED
        )
        forward.outcome = outcome
        forward.decided_at = now_utc()
        # Erased at once: the receiving municipality has it now (or a person acts on it).
        forward.payload = None
        await _decided(uow, forward, outcome)
        return 1


def client(entry: TenantEntry, base_url: str, timeout_s: float) -> httpx.AsyncClient:
    """A client for the deployment an entry names, trusting the entry's CA."""
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cadata=entry.ca_certificate) if entry.ca_certificate else True
    )
    return httpx.AsyncClient(base_url=base_url.rstrip("/"), verify=verify, timeout=timeout_s)


def _acknowledged_id(response: httpx.Response) -> uuid.UUID | None:
    """The signal's id in the receiving intake's answer (`SignalResult.id`), if it gave one."""
    try:
        return uuid.UUID(str(response.json()["id"]))
    except (ValueError, KeyError, TypeError):
        return None


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """The forwarding worker, every `VROEG_FORWARDING_INTERVAL_S`."""

    async def run(database: Database) -> int:
        return await Forwarder(database, settings).run()

    return [PeriodicJob("forwarding", settings.forwarding_interval_s, run)]
