"""Taking deliveries: one signal, a batch, or a forwarded signal all pass the same steps.

Per signal: may this sender deliver it (R-IN-7, R-IN-8, domain §3)? Does a rule refuse it
(R-IN-1 … R-IN-4)? Then it is stored once per (creditor, reference) (R-IN-5) and its event
goes to the outbox in the same transaction: SignalReceived with the personal data for a signal
taken up, SignalRefused with only a reason code for a refusal, and for either a SignalFact, the
lean fact the monitor counts (contracts.md). CAK registrations are stored apart and emit
nothing: they are not vroegsignalering.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

from vroeg.intake import repository, rules
from vroeg.intake.models import PolicyVersion, Signal
from vroeg.intake.rules import Attestation
from vroeg.intake.schemas import SignalIn, SignalResult, SignalStatus
from vroeg.shared import tenants
from vroeg.shared.clock import dutch_date
from vroeg.shared.events import (
    ArrearsType,
    Event,
    RefusalReason,
    SignalData,
    SignalFact,
    SignalKind,
    SignalReceived,
    SignalRefused,
    VlpType,
    age_band,
)
from vroeg.shared.http import Problem
from vroeg.shared.messaging.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Sender:
    """Who delivers: a creditor, or a municipality forwarding a creditor's signal."""

    vlp_id: str
    vlp_type: VlpType
    forwarded_by: str | None = None
    # A forward's provenance: when the forwarding municipality's intake received it. Deadlines
    # here count from this intake's own receipt (R-FU-1: "the day the municipality received
    # the signal"; the competent one can act only from then, Awb 2:3).
    original_received_at: datetime | None = None


@dataclass(frozen=True)
class Delivered:
    """A signal's result, and whether this delivery stored it (False: delivered before)."""

    result: SignalResult
    created: bool


async def deliver(
    uow: UnitOfWork,
    sender: Sender,
    items: Sequence[SignalIn],
    *,
    now: datetime,
) -> list[Delivered | Problem]:
    """Decide, store and announce each signal; a Problem where the delivery is not allowed."""
    today = dutch_date(now)
    # R-IN-8 from the tenant registry, read in this transaction: a municipality an operator
    # just added is served at once.
    served = await tenants.served(uow.session)
    agreements = (
        [
            rules.Agreement(a.municipality, a.starts_on, a.ends_on)
            for a in await repository.agreements_of(uow.session, sender.vlp_id)
        ]
        if sender.forwarded_by is None
        else []
    )
    stored_policies = await repository.current_policies(
        uow.session, {item.municipality for item in items}
    )
    policies = {code: _policy(row) for code, row in stored_policies.items()}

    outcomes: list[Delivered | Problem | None] = [None] * len(items)
    rows: list[dict[str, Any]] = []
    events: dict[str, tuple[Event, SignalFact]] = {}
    results: dict[str, SignalResult] = {}
    for index, item in enumerate(items):
        try:
            _check_allowed(item, sender, served=served, agreements=agreements, today=today)
        except Problem as problem:
            outcomes[index] = problem
            continue
        policy = policies.get(item.municipality, rules.Policy())
        row, event, result = _decide(item, sender, policy, now)
        if item.vlp_reference in results:
            continue  # the same reference twice in one batch: the first one counts
        rows.append(row)
        results[item.vlp_reference] = result
        if event is not None:
            events[item.vlp_reference] = event

    inserted = await repository.insert_signals(uow.session, rows)
    repeated = [ref for ref, result in results.items() if result.id not in inserted]
    earlier = (
        await repository.signals_by_reference(
            uow.session, sender.vlp_id, sender.forwarded_by or "", repeated
        )
        if repeated
        else {}
    )
    # Several signals are independent of each other: each gets its own trace (issue 8, 9).
    await uow.publish_many(
        [e for ref, pair in events.items() if results[ref].id in inserted for e in pair],
        new_traces=len(items) > 1,
    )
    for index, item in enumerate(items):
        if outcomes[index] is not None:
            continue
        result = results[item.vlp_reference]
        if result.id in inserted:
            outcomes[index] = Delivered(result, created=True)
        else:
            outcomes[index] = Delivered(_result_of(earlier[item.vlp_reference]), created=False)
    return [o for o in outcomes if o is not None]


def _check_allowed(
    item: SignalIn,
    sender: Sender,
    *,
    served: frozenset[str],
    agreements: Sequence[rules.Agreement],
    today: Any,
) -> None:
    rules.check_tenant(item.municipality, served)
    if sender.forwarded_by is None:
        rules.check_agreement(item.municipality, agreements, today)
    rules.check_kind(item.kind, item.arrears_type, sender.vlp_type)
    rules.check_dates(item.signal_date, item.oldest_due_date, today)


def _decide(
    item: SignalIn, sender: Sender, policy: rules.Policy, now: datetime
) -> tuple[dict[str, Any], tuple[Event, SignalFact] | None, SignalResult]:
    signal_id = uuid4()
    row: dict[str, Any] = {
        "id": signal_id,
        "vlp_id": sender.vlp_id,
        "vlp_reference": item.vlp_reference,
        "forwarded_by": sender.forwarded_by or "",
        "original_received_at": sender.original_received_at,
        "municipality": item.municipality,
        "kind": item.kind,
        "arrears_type": item.arrears_type,
        "received_at": now,
        "reason": None,
        "policy_version": None,
        "data": None,
    }
    signal = SignalData(
        signal_id=signal_id,
        vlp_id=sender.vlp_id,
        vlp_type=sender.vlp_type,
        vlp_reference=item.vlp_reference,
        kind=item.kind,
        arrears_type=item.arrears_type,
        signal_date=item.signal_date,
        debtor=item.debtor,
        business_name=item.business_name,
        address=item.address,
        phone=item.phone,
        email=item.email,
        amount=Decimal(item.amount),
        oldest_due_date=item.oldest_due_date,
        unpaid_installments=item.unpaid_installments,
        social_collection=tuple(sorted(item.social_collection.given())),
        forwarded_by=sender.forwarded_by,
        received_at=now,
    )
    if item.kind == SignalKind.CAK_WANBETALER:
        row.update(status=SignalStatus.CAK_ONTVANGEN, data=signal.model_dump(mode="json"))
        return (
            row,
            None,
            SignalResult(
                id=signal_id, vlp_reference=item.vlp_reference, status=SignalStatus.CAK_ONTVANGEN
            ),
        )
    refusal = rules.refusal_for(
        kind=item.kind,
        arrears_type=item.arrears_type,
        vlp_type=sender.vlp_type,
        business_name=item.business_name,
        surname=item.debtor.geslachtsnaam if item.debtor else None,
        oldest_due_date=item.oldest_due_date,
        signal_date=item.signal_date,
        unpaid_installments=item.unpaid_installments,
        attestations=item.social_collection.given(),
        amount=Decimal(item.amount),
        policy=policy,
    )
    row["policy_version"] = policy.version
    event: Event
    if refusal is None:
        row.update(status=SignalStatus.ONTVANGEN, data=signal.model_dump(mode="json"))
        event = SignalReceived(municipality=item.municipality, occurred_at=now, signal=signal)
    else:
        # Kept only as far as feedback and the counts need: no personal data (§4).
        row.update(status=SignalStatus.NIET_OPGEPAKT, reason=refusal.reason)
        event = SignalRefused(
            municipality=item.municipality,
            occurred_at=now,
            signal_id=signal_id,
            vlp_id=sender.vlp_id,
            vlp_reference=item.vlp_reference,
            reason=refusal.reason,
            rule=refusal.rule,
            policy_version=policy.version,
            forwarded_by=sender.forwarded_by,
        )
    return row, (event, _fact(signal, item.municipality, refusal)), _result_of_row(row)


def _fact(signal: SignalData, municipality: str, refusal: rules.Refusal | None) -> SignalFact:
    """The lean fact of a signal taken up or refused: nothing that names the debtor."""
    return SignalFact(
        municipality=municipality,
        occurred_at=signal.received_at,
        signal_id=signal.signal_id,
        vlp_id=signal.vlp_id,
        vlp_type=signal.vlp_type,
        kind=signal.kind,
        arrears_type=signal.arrears_type,
        amount=signal.amount,
        postcode_area=signal.address.postcode[:4],
        age_band=age_band(
            signal.debtor.geboortedatum if signal.debtor else None, signal.signal_date
        ),
        phone_present=signal.phone is not None,
        email_present=signal.email is not None,
        forwarded_by=signal.forwarded_by,
        received_at=signal.received_at,
        refusal=refusal.reason if refusal else None,
    )


def _result_of_row(row: Mapping[str, Any]) -> SignalResult:
    return SignalResult(
        id=row["id"],
        vlp_reference=row["vlp_reference"],
        status=SignalStatus(row["status"]),
        reason=RefusalReason(row["reason"]) if row["reason"] else None,
        policy_version=row["policy_version"],
    )


def _result_of(signal: Signal) -> SignalResult:
    return _result_of_row(
        {
            "id": signal.id,
            "vlp_reference": signal.vlp_reference,
            "status": signal.status,
            "reason": signal.reason,
            "policy_version": signal.policy_version,
        }
    )


def _policy(row: PolicyVersion) -> rules.Policy:
    required = dict(rules.DEFAULT_REQUIRED_ATTESTATIONS)
    required.update(
        {
            VlpType(k): frozenset(Attestation(a) for a in v)
            for k, v in row.required_attestations.items()
        }
    )
    return rules.Policy(
        version=row.version,
        thresholds={ArrearsType(k): Decimal(v) for k, v in row.thresholds.items()},
        required_attestations=required,
    )
