"""The SHV professional's queue (R-BRP-4): signals of residents known to debt help, kept with
what the professional needs, and handled with what was done and the result (R-FU-4), which
goes to feedback and reporting as `DebtHelpSignalHandled`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from vroeg.followup import repository, rules
from vroeg.followup.models import AuditEntry, ShvItem
from vroeg.shared.events import (
    DebtHelpSignalHandled,
    DebtHelpStanding,
    OutcomeCategory,
    OutcomeDetail,
    SignalData,
    SignalRouted,
    collection_paused_until,
)
from vroeg.shared.messaging.unit_of_work import UnitOfWork

READ, HANDLED = "shv.read", "shv.handled"


def _name(signal: SignalData) -> str | None:
    """Who the signal is about, as the creditor named them (a business name otherwise)."""
    if signal.debtor is not None:
        person = signal.debtor
        return " ".join(
            p for p in (person.voornamen, person.voorvoegsel, person.geslachtsnaam) if p
        )
    return signal.business_name


async def on_debt_help_routed(uow: UnitOfWork, event: SignalRouted) -> None:
    """A signal routed to debt help joins the queue once (a redelivery or a second routing of
    the same signal changes nothing)."""
    signal = event.signal
    if await repository.get_shv_item(uow.session, signal.signal_id) is not None:
        return
    repository.add(
        uow.session,
        ShvItem(
            signal_id=signal.signal_id,
            municipality=event.municipality,
            vlp_id=signal.vlp_id,
            vlp_type=signal.vlp_type,
            kind=signal.kind,
            arrears_type=signal.arrears_type,
            amount=signal.amount,
            received_at=signal.received_at,
            # R-BRP-4: brp-check names (a) or (b); an older record without it counts as (b),
            # the one that lets nothing be told before the professional decides.
            debt_help=event.debt_help or DebtHelpStanding.RECENT_DECISION,
            name=_name(signal),
            bsn=event.bsn,
            handled_at=None,
            handled_by=None,
            action_taken=None,
            outcome_category=None,
            outcome_detail=None,
        ),
    )


async def read(uow: UnitOfWork, items: Sequence[ShvItem], *, actor: str, now: datetime) -> None:
    """Reading the queue shows names and BSNs: one audit entry per municipality read, naming
    the signals shown (domain §10)."""
    shown: dict[str, list[str]] = defaultdict(list)
    for item in items:
        shown[item.municipality].append(str(item.signal_id))
    for municipality, signals in sorted(shown.items()):
        await repository.add_audit(
            uow.session,
            AuditEntry(
                municipality=municipality,
                at=now,
                actor=actor,
                action=READ,
                case_id=None,
                details={"signals": signals},
            ),
        )


async def handle(
    uow: UnitOfWork,
    item: ShvItem,
    *,
    action_taken: str,
    category: OutcomeCategory,
    detail: OutcomeDetail | None,
    reached: bool,
    actor: str,
    now: datetime,
) -> None:
    """Register what the professional did and the result: the item closes, and feedback and
    reporting hear the outcome (help accepted: with the creditor's 30-day pause, R-FU-5)."""
    if item.handled_at is not None:
        raise rules.Refused("this signal was handled already")
    standing = DebtHelpStanding(item.debt_help)
    checked = rules.shv_outcome(standing, category, detail, reached=reached)
    item.handled_at, item.handled_by, item.action_taken = now, actor, action_taken
    item.outcome_category, item.outcome_detail = category, checked
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=item.municipality,
            at=now,
            actor=actor,
            action=HANDLED,
            case_id=None,
            details={"signal": str(item.signal_id), "category": category, "detail": checked},
        ),
    )
    await uow.publish(
        DebtHelpSignalHandled(
            municipality=item.municipality,
            occurred_at=now,
            signal_id=item.signal_id,
            vlp_id=item.vlp_id,
            category=category,
            detail=checked,
            debt_help=standing,
            handled_at=now,
            collection_paused_until=collection_paused_until(category, now),
        )
    )
