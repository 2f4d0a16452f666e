"""brp-check's Kafka handlers: check each received signal against the BRP and route it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from vroeg.brp_check import repository, rules
from vroeg.brp_check.brp import BrpClient
from vroeg.brp_check.brp_transport import CircuitBreaker, http_client
from vroeg.brp_check.debt_help import TableRegister
from vroeg.brp_check.lookup import Found, found, look_up
from vroeg.brp_check.models import Check, Review
from vroeg.brp_check.routing import Router
from vroeg.brp_check.settings import Settings
from vroeg.shared.events import Route, SignalReceived, now_utc
from vroeg.shared.messaging.consumer import Subscription
from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.service import Resources
from vroeg.shared.telemetry import current_traceparent
from vroeg.shared.topics import SIGNAL_RECEIVED


async def on_signal_received(uow: UnitOfWork, event: SignalReceived, *, router: Router) -> None:
    """Look the debtor, their debt-help standing and household up; route; publish.

    The BRP's answers come with the batch (`lookup.look_up`), else are asked now. A signal
    without a single match also waits in the review queue (R-BRP-5).
    """
    signal = event.signal
    answer: Found | Exception | None = uow.looked_up.get(str(event.id))
    if isinstance(answer, Exception):
        raise answer  # the BRP failed it as its batch asked: it goes alone, and is asked again
    if answer is None:  # handled alone (its batch's failure, or a retry)
        answer = await found(router.brp, signal)
    candidates, single = answer.candidates, answer.single
    decision = rules.decide_route(
        candidates,
        municipality=event.municipality,
        signal_date=signal.signal_date,
        person_named=signal.debtor is not None,
        unsearchable=answer.unsearchable,
        debt_help=await router.standing(uow, event.municipality, single),
    )
    now = now_utc()
    repository.add_check(
        uow.session,
        Check(
            signal_id=signal.signal_id,
            municipality=event.municipality,
            route=decision.route,
            reasons=list(decision.reasons),
            checked_at=now,
        ),
    )
    if decision.route is Route.REVIEW:
        repository.add_review(
            uow.session,
            Review(
                signal_id=signal.signal_id,
                municipality=event.municipality,
                queued_at=now,
                received_at=signal.received_at,
                reasons=list(decision.reasons),
                kind=signal.kind,
                arrears_type=signal.arrears_type,
                vlp_type=signal.vlp_type,
                signal=signal.model_dump(mode="json"),
                candidate_bsns=[c.bsn for c in candidates],
                traceparent=current_traceparent(),
            ),
        )
    await router.send(
        uow,
        municipality=event.municipality,
        signal=signal,
        decision=decision,
        address_key=single.address_key if single else None,
        residents=answer.residents,
        born=single.birth_date if single else None,
        reviewed=False,
        now=now,
    )


async def subscriptions(resources: Resources, settings: Settings) -> Sequence[Subscription]:
    """Open the BRP client for the life of the service (the review API routes with it too)."""
    http = await resources.enter_async_context(http_client(settings))
    brp = BrpClient(http, CircuitBreaker(), concurrency=settings.brp_concurrency)
    router = Router(brp, TableRegister())
    resources.provide(router)
    # A batch's signals share one transaction; the BRP is asked about them all before it
    # opens (`look_up`), so no transaction stays open across the calls.
    return [
        Subscription(
            SIGNAL_RECEIVED,
            partial(on_signal_received, router=router),
            batch=True,
            look_up=partial(look_up, brp=brp),
            prepare=router.prepare,
        )
    ]
