"""Forwarding relocated signals to the competent municipality (Awb 2:3, R-BRP-1).

A signal the BRP check routes `relocated` with a known destination is looked up in the tenant
registry (`vroeg.shared.tenants`, built from intake's events):

- the destination's vroeg deployment is known, with a key for the forwarding municipality →
  the forward is recorded WAITING, with the body to post, in the transaction that handles the
  route (an outbox). A periodic job posts it without delay to `POST /v1/doorgestuurde-signalen`
  on that intake — also when it is another tenant of this deployment — trusting the entry's
  CA, and retries with capped backoff and jitter (`webhooks.retry.backoff`) until that intake
  acknowledges (2xx; it is idempotent by the original reference, so a post repeated after a
  crash is one signal there). Then the creditor hears NIET_WOONACHTIG `doorgestuurd` true, and
  the body (personal data) is erased. An answer that says the registry's entry is wrong (401,
  403, 404: a rotated key, a moved intake) is retried like a 5xx, logged and counted
  (`vroeg_forward_failures_total`, alert `VroegForwardingFailing`) until the entry is mended.
- no entry, no intake URL, or no key for the forwarding municipality → not forwarded, with the
  reason, visible to staff (`forwarding_api`); the creditor hears NIET_WOONACHTIG
  `doorgestuurd` false.
- the receiving intake refuses the signal itself (400, 409, 413, 422) → not forwarded
  (`REFUSED`, with the status), likewise; a person must act.

No transaction stays open while the other deployment answers (an open one would hold back
every creditor's own feed, `repository.page`): a forward is claimed in a short transaction
(FOR UPDATE SKIP LOCKED; its attempt counted and its next attempt set a lease ahead), posted
outside any, and the post's end recorded in another short one only while the forward still
waits at that attempt — so of two workers that both posted it (the first's lease ran out) only
one records. One replica runs the job at a time besides (`PeriodicJob`'s advisory lock).

Whoever sent the signal here hears the decision: its creditor, or — when another municipality
forwarded it here and it moved on (a chain A → B → C) — that municipality, which tells its
creditor as its own. Each decision is a lean `SignalForwarded` fact. Where a forward went is
never told the creditor.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import httpx

from vroeg.feedback import forwarding_repository as forwards
from vroeg.feedback import repository, rules
from vroeg.feedback.models import Feedback, Forward
from vroeg.feedback.settings import Settings
from vroeg.feedback.webhooks import retry
from vroeg.shared import metrics, tenants
from vroeg.shared.events import ForwardingOutcome, Route, SignalForwarded, SignalRouted, now_utc
from vroeg.shared.messaging.unit_of_work import Database, UnitOfWork
from vroeg.shared.service import Resources
from vroeg.shared.supervision import PeriodicJob
from vroeg.shared.telemetry import continuing, current_traceparent
from vroeg.shared.tenants import TenantEntry

log = logging.getLogger(__name__)

FORWARD_PATH = "/v1/doorgestuurde-signalen"
# The statuses that refuse the signal itself: retrying will not mend it, a person must act.
# Any other answer but a 2xx is tried again — 5xx, 408, 425, 429, and 401, 403 and 404 too:
# those say the registry's key or URL is wrong (a rotated key, a moved intake), not that the
# signal is, and are mended by correcting the entry (logged and counted meanwhile).
_REFUSED = frozenset(
    {
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.CONFLICT,
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    }
)
# A claimed forward is not due again for this many post timeouts (a lease).
_LEASE_FACTOR = 3


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
        forwarded_by=signal.forwarded_by,
        remote_signal_id=None,
        status=forwards.WAITING if why_not is None else forwards.NOT_FORWARDED,
        outcome=why_not,
        payload=forward_body(event) if why_not is None else None,
        attempts=0,
        next_attempt_at=now,
        last_error=None,
        created_at=now,
        traceparent=current_traceparent(),
        decided_at=None if why_not is None else now,
    )
    if not await forwards.add_forward(uow.session, forward) or why_not is None:
        return
    await _decided(uow, forward, why_not)


async def _decided(uow: UnitOfWork, forward: Forward, outcome: ForwardingOutcome) -> None:
    """Whoever sent the signal here hears NIET_WOONACHTIG, forwarded or not (never where): its
    creditor, or the municipality that forwarded it here (a chain); the fact goes out."""
    now = now_utc()
    await repository.add_feedback(
        uow.session,
        Feedback.of(
            rules.feedback_for_forwarding(outcome == ForwardingOutcome.FORWARDED),
            signal_id=forward.signal_id,
            vlp_id=forward.vlp_id,
            vlp_reference=forward.vlp_reference,
            municipality=forward.municipality,
            forwarded_by=forward.forwarded_by,
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


@dataclass(frozen=True)
class _Claim:
    """A forward claimed for one post: what the post needs, and the attempt it is (the guard
    its result is recorded under)."""

    signal_id: uuid.UUID
    municipality: str
    attempt: int
    payload: dict[str, Any]
    entry: TenantEntry
    traceparent: str | None


class Forwarder:
    """Posts the waiting forwards that are due, one at a time: each claimed in a short
    transaction, posted outside any, its result recorded in another short one."""

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
                claim = await self._claim(uow, forward)
                if claim is None:
                    decided += 1
                    continue
            decided += await self._record(claim, await self._post(claim))

    async def _claim(self, uow: UnitOfWork, forward: Forward) -> _Claim | None:
        """Take the forward for one attempt — not due again before the attempt is over, so
        no other pass posts it meanwhile — or decide it at once (None) when the registry lost
        its destination (or the key) since."""
        entry = await tenants.entry(uow.session, forward.destination)
        assert forward.payload is not None
        why_not = unreachable(entry, forward.municipality)
        if why_not is not None or entry is None:
            # Tell the creditor (or the forwarder) it was not.
            await self._decide(uow, forward, why_not or ForwardingOutcome.NOT_IN_REGISTRY)
            return None
        forward.attempts += 1
        # A lease: a worker that dies mid-post leaves the forward due again when it ends.
        forward.next_attempt_at = now_utc() + timedelta(
            seconds=_LEASE_FACTOR * self._settings.forwarding_timeout_s
        )
        return _Claim(
            forward.signal_id,
            forward.municipality,
            forward.attempts,
            forward.payload,
            entry,
            forward.traceparent,
        )

    async def _post(self, claim: _Claim) -> httpx.Response | str:
        """The receiving intake's answer, or the class of the error instead (a message could
        quote what was sent)."""
        entry = claim.entry
        assert entry.intake_url is not None
        # In the signal's trace, which the receiving intake continues.
        with continuing(claim.traceparent, "forward signal"):
            try:
                key = entry.key_for(claim.municipality, self._settings.registry_keyring)
                assert key is not None
                timeout = self._settings.forwarding_timeout_s
                async with client(entry, entry.intake_url, timeout) as http:
                    return await http.post(
                        FORWARD_PATH, json=claim.payload, headers={"X-Api-Key": key}
                    )
            except (httpx.HTTPError, ssl.SSLError, OSError, tenants.UnreadableKey) as exc:
                return type(exc).__name__

    async def _record(self, claim: _Claim, answer: httpx.Response | str) -> int:
        """Record the attempt's end — only if the forward is still waiting at this attempt:
        a worker whose lease ended meanwhile records nothing (the other one posted it again,
        and the receiving intake knows it by the original reference)."""
        async with self._database.unit_of_work() as uow:
            forward = await forwards.claimed(uow.session, claim.signal_id, claim.attempt)
            if forward is None:
                return 0
            if isinstance(answer, str):
                return self._later(forward, answer)
            status = answer.status_code
            if status < 300:
                # The signal's id there: its feedback, polled later, names it.
                forward.remote_signal_id = _acknowledged_id(answer)
                return await self._decide(uow, forward, ForwardingOutcome.FORWARDED)
            if status not in _REFUSED:
                return self._later(forward, f"HTTP {status}")
            forward.last_error = f"HTTP {status}"
            return await self._decide(uow, forward, ForwardingOutcome.REFUSED)

    def _later(self, forward: Forward, error: str) -> int:
        forward.last_error = error
        forward.next_attempt_at = now_utc() + timedelta(
            seconds=retry.backoff(
                forward.attempts, first_s=1.0, max_s=self._settings.forwarding_max_backoff_s
            )
        )
        metrics.FORWARD_FAILURES.labels(forward.destination).inc()
        log.warning(
            "forward not acknowledged; trying again",
            extra={
                "signal_id": str(forward.signal_id),
                "destination": forward.destination,
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
        # In the signal's trace: the creditor's feedback (and its webhook delivery) and the
        # fact that it was forwarded.
        with continuing(forward.traceparent, "forward decided"):
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
