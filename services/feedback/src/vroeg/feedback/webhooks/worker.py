"""The delivery worker: every replica of feedback runs one. It claims due deliveries (FOR
UPDATE SKIP LOCKED, in a short transaction of its own: no transaction stays open while a
creditor's endpoint answers), POSTs each (`egress`), signed per Standard Webhooks, and records
the end of each attempt: a 2xx is acknowledged and never sent again; anything else (another
status, a timeout, no connection, a redirect, an address refused) is retried with exponential
backoff and jitter until the retry policy runs out, and then parked as a dead letter for an
operator to replay.

A claim is a lease (`WebhookSettings.webhook_lease_s`, well beyond an attempt's timeout): a
worker that dies mid-attempt leaves its deliveries due again when the lease ends. Only then can
a delivery go out twice — the one time the receiver's 2xx may not have been recorded — and the
receiver recognises it by its `webhook-id` (the feedback's id).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import httpx
from opentelemetry.trace import Status, StatusCode

from vroeg.feedback.settings import Settings
from vroeg.feedback.webhooks import retry, signing, store
from vroeg.feedback.webhooks.egress import Egress
from vroeg.feedback.webhooks.settings import WebhookSettings
from vroeg.shared import metrics
from vroeg.shared.clock import Clock
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.settings import DEVELOPMENT_ENVIRONMENTS, ServiceSettings
from vroeg.shared.supervision import Worker
from vroeg.shared.telemetry import continuing

log = logging.getLogger(__name__)
WORKER = "webhook-deliveries"
USER_AGENT = "vroeg-feedback (Standard Webhooks)"


class Deliveries:
    """Claims, sends and settles due deliveries."""

    def __init__(
        self,
        database: Database,
        settings: WebhookSettings,
        clock: Clock,
        egress: Egress,
    ) -> None:
        self._database, self._settings, self._clock = database, settings, clock
        self._egress = egress

    async def run_once(self) -> int:
        """One round: claim a batch, send it side by side, settle each; how many were claimed."""
        token = uuid.uuid4()
        async with self._database.unit_of_work() as uow:
            claimed = await store.claim_due(
                uow.session,
                now=self._clock.now(),
                lease=timedelta(seconds=self._settings.webhook_lease_s),
                limit=self._settings.webhook_batch,
                token=token,
            )
        ends = await asyncio.gather(*(self._deliver(delivery) for delivery in claimed))
        if ends:
            await self._settle(claimed, ends, token)
        return len(claimed)

    async def run(self) -> None:
        """Rounds until cancelled; between rounds that found less than a batch, a pause."""
        while True:
            if await self.run_once() < self._settings.webhook_batch:
                await asyncio.sleep(self._settings.webhook_poll_interval_s)

    async def _deliver(self, delivery: store.Claimed) -> tuple[int | None, str | None]:
        """The status the endpoint answered, or what went wrong instead (never the body)."""
        if delivery.body is None:
            # Erased under the retention policy while it waited: nothing left to send.
            return None, "erased under the retention policy"
        body = delivery.body
        headers = signing.headers(str(delivery.id), body, delivery.secrets)
        headers["user-agent"] = USER_AGENT
        # In the trace of what caused the feedback (the signal's, for most): an operator
        # following a signal sees each attempt to tell its creditor, and how it ended.
        with continuing(delivery.traceparent, "deliver feedback") as span:
            status, error = await self._egress.post(delivery.url, body.encode(), headers)
            if status is not None:
                span.set_attribute("http.response.status_code", status)
            if error is not None:  # our own words: a status, a timeout, a refusal's reason
                span.set_attribute("error.type", error)
                span.set_status(Status(StatusCode.ERROR))
            return status, error

    async def _settle(
        self,
        claimed: Sequence[store.Claimed],
        ends: Sequence[tuple[int | None, str | None]],
        token: uuid.UUID,
    ) -> None:
        """Record the round's attempts in one transaction, then count them."""
        now = self._clock.now()
        attempts = [
            self._attempt(delivery, status, error, now)
            for delivery, (status, error) in zip(claimed, ends, strict=True)
        ]
        async with self._database.unit_of_work() as uow:
            held = await store.settle(uow.session, attempts, token, now=now)
        creditors = {delivery.id: delivery.vlp_id for delivery in claimed}
        for attempt in attempts:
            if attempt.id not in held:
                continue  # its lease ended and another worker has it (or it was deleted)
            creditor = creditors[attempt.id]
            if attempt.delivered:
                metrics.WEBHOOK_DELIVERED.labels(creditor).inc()
                continue
            metrics.WEBHOOK_FAILURES.labels(creditor).inc()
            if attempt.next_attempt_at is None:
                metrics.WEBHOOK_DEAD_LETTERS.labels(creditor).inc()
                log.warning(
                    "webhook delivery parked as a dead letter",
                    extra={
                        "delivery": str(attempt.id),
                        "creditor": creditor,
                        "error": attempt.error,
                    },
                )

    def _attempt(
        self, delivery: store.Claimed, status: int | None, error: str | None, now: datetime
    ) -> store.Attempt:
        """A 2xx is acknowledged; anything else is tried again while the policy allows."""
        if status is not None and 200 <= status < 300:
            return store.Attempt(delivery.id, True, None, status, None)
        next_at = None
        if delivery.body is not None:
            next_at = retry.next_attempt(
                now,
                delivery.attempts,
                delivery.pending_since + timedelta(seconds=self._settings.webhook_retry_for_s),
                first_s=self._settings.webhook_backoff_s,
                max_s=self._settings.webhook_max_backoff_s,
            )
        return store.Attempt(delivery.id, False, next_at, status, error)


def workers(settings: Settings, clock: Clock) -> Sequence[Worker]:
    """The delivery worker of this replica; outside development and test it reaches only
    public addresses."""
    public_only = settings.environment not in DEVELOPMENT_ENVIRONMENTS

    async def run(database: Database) -> None:
        # No redirects: a creditor's endpoint answers itself, or the attempt failed.
        async with httpx.AsyncClient(follow_redirects=False) as http:
            egress = Egress(http, settings.webhook_timeout_s, public_only)
            await Deliveries(database, settings, clock, egress).run()

    return [Worker(WORKER, run)]


async def gauges(database: Database, settings: ServiceSettings) -> None:
    """How long each creditor's oldest waiting delivery has waited, and how many of its
    deliveries are parked, read at each scrape (the alerts watch them)."""
    async with database.sessionmaker() as session:
        waiting = await store.pending_since_by_creditor(session)
        parked = await store.dead_by_creditor(session)
    now = settings.clock.now()
    metrics.WEBHOOK_OLDEST_PENDING_AGE.clear()
    for creditor, since in waiting.items():
        metrics.WEBHOOK_OLDEST_PENDING_AGE.labels(creditor).set(
            max(0.0, (now - since).total_seconds())
        )
    metrics.WEBHOOK_PARKED.clear()
    for creditor, count in parked.items():
        metrics.WEBHOOK_PARKED.labels(creditor).set(count)
