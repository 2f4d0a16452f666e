"""Signals as the matcher's rules see them, and routed signals as brp-check would send them to
the matcher: one household's facts in a line, the rest defaulted; and the matcher as a
process, driven through its topics."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation
from tests.support.kafka import publish, read_events
from vroeg.deploy.processes import Platform
from vroeg.matcher.rules import (
    MatchedSignal,
    PastCase,
    PriorityPolicy,
    Repeat,
    case_state,
    find_repeats,
)
from vroeg.shared.clock import add_months
from vroeg.shared.events import (
    Address,
    ArrearsType,
    CaseChangeKind,
    CaseOpened,
    CaseOutcomeRegistered,
    CaseReopened,
    CaseState,
    CaseStatus,
    CaseUpdated,
    Household,
    OutcomeCategory,
    OutcomeDetail,
    Person,
    Route,
    SignalData,
    SignalKind,
    SignalRepeated,
    SignalRouted,
    VlpType,
)
from vroeg.shared.topics import (
    CASE_OPENED,
    CASE_OUTCOME_REGISTERED,
    CASE_REOPENED,
    CASE_UPDATED,
    ROUTE_TOPICS,
    SIGNAL_REPEATED,
)

# A Monday morning in Amsterdam: the moment the tests' histories are counted from.
T0 = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)
# Six months later: T0 is the earliest moment R-IN-5's look-back reaches from here.
LATER = add_months(T0, 6)
ARREARS_OF = {
    VlpType.HUUR: ArrearsType.HUUR,
    VlpType.DRINKWATER: ArrearsType.DRINKWATER,
    VlpType.ZORGVERZEKERING: ArrearsType.ZORGVERZEKERING,
    VlpType.ENERGIE: ArrearsType.ELEKTRICITEIT,
    VlpType.WARMTE: ArrearsType.WARMTE,
}


def sig(
    *,
    vlp: str = "woonstad",
    vlp_type: VlpType = VlpType.HUUR,
    arrears: ArrearsType | None = None,
    kind: SignalKind = SignalKind.VROEGSIGNAAL,
    route: Route = Route.RESIDENT,
    amount: str = "400.00",
    signal_date: date | None = None,
    due: date = date(2026, 3, 1),
    received: datetime = T0,
    area: str = "1012",
    bsn: str | None = "999990019",
    business: bool = False,
    size: int | None = 2,
    minors: bool | None = False,
) -> MatchedSignal:
    """A routed signal as the rules see it; the arrears type follows the creditor's type."""
    return MatchedSignal(
        signal_id=uuid4(),
        vlp_id=vlp,
        vlp_type=vlp_type,
        kind=kind,
        arrears_type=arrears or ARREARS_OF[vlp_type],
        route=route,
        amount=Decimal(amount),
        signal_date=signal_date or received.date(),
        oldest_due_date=due,
        received_at=received,
        postcode_area=area,
        bsn=bsn,
        business=business,
        household_size=size,
        minors_present=minors,
    )


def state(
    signals: Iterable[MatchedSignal],
    *,
    status: CaseStatus = CaseStatus.OPEN,
    version: int = 1,
    repeats: dict[UUID, Repeat] | None = None,
    earlier: Iterable[MatchedSignal] = (),
    others: Iterable[PastCase] = (),
    policy: PriorityPolicy | None = None,
) -> CaseState:
    """A case's state as the matcher would restate it (repeats found unless given)."""
    members = list(signals)
    return case_state(
        members,
        status=status,
        version=version,
        repeats=find_repeats(members, list(earlier)) if repeats is None else repeats,
        others=list(others),
        policy=policy or PriorityPolicy(),
    )


def household() -> str:
    """A household of one test alone (the BRP's addressable object)."""
    return uuid4().hex[:16]


def routed(
    *,
    household: str,
    municipality: str = "0363",
    vlp: str = "woonstad",
    vlp_type: VlpType = VlpType.HUUR,
    arrears: ArrearsType | None = None,
    kind: SignalKind = SignalKind.VROEGSIGNAAL,
    route: Route = Route.RESIDENT,
    amount: str = "412.00",
    due: date = date(2026, 9, 1),
    received: datetime | None = None,
    bsn: str = "",
    postcode: str = "1012AB",
    business_name: str | None = None,
    size: int = 2,
    minors: bool = False,
) -> SignalRouted:
    """A SignalRouted v2 as brp-check publishes it, for the household at `household` (the
    BRP's addressable object) and the person `bsn` (one of its own unless given)."""
    received = received or datetime.now(UTC)
    return SignalRouted(
        municipality=municipality,
        occurred_at=datetime.now(UTC),
        route=route,
        reasons=("test",),
        signal=SignalData(
            signal_id=uuid4(),
            vlp_id=vlp,
            vlp_type=vlp_type,
            vlp_reference=f"ref-{uuid4().hex[:8]}",
            kind=kind,
            arrears_type=arrears or ARREARS_OF[vlp_type],
            signal_date=received.date(),
            debtor=None if business_name else Person(geslachtsnaam="Jansen"),
            business_name=business_name,
            address=Address(postcode=postcode, huisnummer=1),
            amount=Decimal(amount),
            oldest_due_date=due,
            received_at=received,
        ),
        household=Household(address_key=household, size=size, minors_present=minors),
        bsn=bsn or f"{uuid4().int % 10**9:09d}",
    )


def past(*received: datetime, outcome: OutcomeCategory | None = None) -> PastCase:
    """Another case of the address with signals received at these moments; closed with an
    outcome when one is given."""
    return PastCase(
        case_id=uuid4(),
        received=received,
        status=CaseStatus.CLOSED if outcome else CaseStatus.OPEN,
        outcome=outcome,
        outcome_detail=OutcomeDetail.QUICK_FIX if outcome else None,
    )


@dataclass(frozen=True)
class MatcherUnderTest:
    """The matcher (with the identity-provider stand-in, and feedback to hear of repeats) on
    its own database and topics; followup and brp-check are played by the tests."""

    iso: Isolation
    platform: Platform

    @property
    def url(self) -> str:
        return f"{self.platform['matcher'].url}/v1"

    async def route(self, *events: SignalRouted) -> None:
        """Publish routed signals, each on its route's topic, in this order."""
        for event in events:
            await publish(self.iso.kafka, self.iso.topic(ROUTE_TOPICS[event.route].name), [event])

    async def close(
        self,
        case_id: UUID,
        signal_ids: Iterable[UUID],
        *,
        category: OutcomeCategory = OutcomeCategory.WIL_HULP,
        detail: OutcomeDetail = OutcomeDetail.QUICK_FIX,
        closed_at: datetime | None = None,
    ) -> UUID:
        """followup registers a case's outcome, listing the signals the case held then. The
        event's id."""
        now = datetime.now(UTC)
        event = CaseOutcomeRegistered(
            municipality="0363",
            occurred_at=now,
            case_id=case_id,
            signal_ids=tuple(signal_ids),
            category=category,
            detail=detail,
            closed_at=closed_at or now,
        )
        await publish(self.iso.kafka, self.iso.topic(CASE_OUTCOME_REGISTERED.name), [event])
        return event.id

    async def reopen(self, case_id: UUID, *, reopened_at: datetime | None = None) -> UUID:
        """followup reopens a closed case: the resident came back. The event's id."""
        now = datetime.now(UTC)
        event = CaseReopened(
            municipality="0363",
            occurred_at=now,
            case_id=case_id,
            reason="kwam terug",
            reopened_at=reopened_at or now,
        )
        await publish(self.iso.kafka, self.iso.topic(CASE_REOPENED.name), [event])
        return event.id

    async def handled(self, event_id: UUID) -> None:
        """Until the matcher has handled an event (it is in its inbox)."""
        found = await eventually(
            lambda: fetch(
                self.iso.database_url,
                "SELECT 1 FROM matcher.processed_events WHERE event_id = $1",
                str(event_id),
            ),
            bool,
        )
        assert found, f"the matcher did not handle {event_id}"

    async def cases(self, household: str, *, signals: int) -> list[dict[str, Any]]:
        """The household's cases (oldest first), each with its signal ids, once the matcher
        holds `signals` of its signals and has sent every event that made."""

        async def rows() -> list[dict[str, Any]]:
            found = await fetch(
                self.iso.database_url,
                "SELECT c.*, coalesce(array_agg(s.signal_id) FILTER "
                "(WHERE s.signal_id IS NOT NULL), '{}') AS signal_ids "
                "FROM matcher.cases c LEFT JOIN matcher.case_signals s ON s.case_id = c.id "
                "WHERE c.household_key = $1 GROUP BY c.id ORDER BY c.opened_at",
                f"aoid:{household}",
            )
            return [{**r, "state": json.loads(r["state"])} for r in found]

        found = await eventually(rows, lambda r: sum(len(c["signal_ids"]) for c in r) >= signals)
        assert sum(len(c["signal_ids"]) for c in found) == signals, found
        await self.sent()
        return await rows()

    async def status(self, case_id: UUID, status: CaseStatus) -> dict[str, Any]:
        """The case once the matcher mirrors `status`, and has sent every event that made."""

        async def row() -> list[Any]:
            return await fetch(
                self.iso.database_url, "SELECT * FROM matcher.cases WHERE id = $1", case_id
            )

        [found] = await eventually(row, lambda r: r[0]["status"] == status.value)
        assert found["status"] == status.value
        await self.sent()
        return dict(found)

    async def sent(self) -> None:
        """Until the matcher's outbox is empty: everything it decided is on the topics."""
        left = await eventually(
            lambda: fetch(self.iso.database_url, "SELECT count(*) AS n FROM matcher.outbox"),
            lambda r: r[0]["n"] == 0,
        )
        assert left[0]["n"] == 0

    async def events(self, case_id: UUID) -> list[CaseOpened | CaseUpdated]:
        """A case's CaseOpened and CaseUpdated events, in the order of its versions."""
        found = [
            event
            for topic in (CASE_OPENED, CASE_UPDATED)
            for event in await read_events(
                self.iso.kafka, self.iso.topic(topic.name), expect=0, settle=0.3
            )
            if isinstance(event, CaseOpened | CaseUpdated) and event.case_id == case_id
        ]
        return sorted(found, key=lambda e: e.state.version)

    async def repeats(self) -> list[SignalRepeated]:
        """Every SignalRepeated the matcher sent."""
        found = await read_events(
            self.iso.kafka, self.iso.topic(SIGNAL_REPEATED.name), expect=0, settle=0.3
        )
        return [e for e in found if isinstance(e, SignalRepeated)]


def kinds(event: CaseOpened | CaseUpdated) -> set[CaseChangeKind]:
    """What a CaseUpdated says changed (nothing for a CaseOpened)."""
    return {c.kind for c in event.changes} if isinstance(event, CaseUpdated) else set()
