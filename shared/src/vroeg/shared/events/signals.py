"""Events about signals: received, refused, routed (intake, brp-check), their lean facts for
reporting, and a relocated signal forwarded (feedback).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar
from uuid import UUID

from pydantic import AwareDatetime, Field

from vroeg.shared.events.base import Event, Household, SignalData
from vroeg.shared.events.vocabulary import (
    AgeBand,
    ArrearsType,
    Bsn,
    DebtHelpStanding,
    ForwardingOutcome,
    MunicipalityCode,
    PostcodeArea,
    RefusalReason,
    Route,
    SignalKind,
    VlpType,
)


class SignalReceived(Event):
    """Intake accepted a signal from a creditor."""

    event_type: ClassVar[str] = "signal.received"
    # v2: the signal carries intake's `received_at`.
    event_version: ClassVar[int] = 2

    signal: SignalData

    def partition_key(self) -> str:
        return str(self.signal.signal_id)


class SignalRefused(Event):
    """Intake did not take a signal up (R-IN-1 … R-IN-4); carries no personal data."""

    event_type: ClassVar[str] = "signal.refused"
    # v2: `forwarded_by`, so the feedback on a forwarded signal goes to the forwarder (Awb 2:3).
    event_version: ClassVar[int] = 2

    signal_id: UUID
    vlp_id: str
    vlp_reference: str
    reason: RefusalReason
    rule: str
    policy_version: int
    # The municipality that forwarded the signal here, if one did: it hears the refusal and
    # tells the creditor as its own.
    forwarded_by: MunicipalityCode | None = None

    def partition_key(self) -> str:
        return str(self.signal_id)


class SignalRouted(Event):
    """The BRP check decided where a signal goes (R-BRP-0 … R-BRP-5)."""

    event_type: ClassVar[str] = "signal.routed"
    # v2: `received_at` in the signal; the BSN found, debt-help standing, destination known.
    event_version: ClassVar[int] = 2

    route: Route
    reasons: tuple[str, ...]
    signal: SignalData
    household: Household | None = None
    # The person the BRP check (or a reviewer) found: for the matcher and the CBS export only.
    bsn: Bsn | None = None
    # Only for `debt-help`: which of R-BRP-4 (a) and (b) applies (feedback may tell (a) only).
    debt_help: DebtHelpStanding | None = None
    # Only for `relocated`: where to forward the signal. Never told to the creditor (§6).
    registered_municipality: MunicipalityCode | None = None
    # Only for `relocated`: False when the BRP says "not resident here" without naming where
    # (R-BRP-1, destination unknown): not forwarded.
    destination_known: bool | None = None

    def partition_key(self) -> str:
        # Keyed by household so one household's signals are handled in order downstream.
        return self.household.address_key if self.household else str(self.signal.signal_id)


class SignalFact(Event):
    """Lean fact of a signal intake decided on, taken up or refused (contracts.md): for the
    monitor, which rebuilds its figures from it. No name, address, phone, e-mail, birth date or
    creditor reference: the 4-digit postcode, the age band and whether a phone and an e-mail
    came. CAK registrations get none: they are not vroegsignalering (§3)."""

    event_type: ClassVar[str] = "signal.fact"
    event_version: ClassVar[int] = 1

    signal_id: UUID
    vlp_id: str
    vlp_type: VlpType
    kind: SignalKind
    arrears_type: ArrearsType
    amount: Decimal
    postcode_area: PostcodeArea
    age_band: AgeBand | None = None
    phone_present: bool
    email_present: bool
    forwarded_by: MunicipalityCode | None = None
    received_at: AwareDatetime
    # R-IN-1 … R-IN-4: not taken up, and why (None: taken up).
    refusal: RefusalReason | None = None

    def partition_key(self) -> str:
        return str(self.signal_id)


class RouteFact(Event):
    """Lean fact of a route brp-check gave a signal (contracts.md): `review` first for a signal
    without a single BRP match, then the route the reviewer's decision gives (`reviewed`), so
    the monitor counts each signal once, under its final route. The household's size and
    minors and the person's age band, never the BSN or the address."""

    event_type: ClassVar[str] = "signal.route-fact"
    event_version: ClassVar[int] = 1

    signal_id: UUID
    route: Route
    reviewed: bool
    debt_help: DebtHelpStanding | None = None
    age_band: AgeBand | None = None
    household_size: int | None = Field(default=None, ge=0)
    minors_present: bool | None = None
    routed_at: AwareDatetime

    def partition_key(self) -> str:
        return str(self.signal_id)


class SignalForwarded(Event):
    """feedback forwarded a relocated signal to the competent municipality (Awb 2:3), or
    recorded why it could not: a lean fact (ids, the two municipalities, the outcome), for
    reporting. `municipality` is the forwarding one."""

    event_type: ClassVar[str] = "signal.forwarded"
    event_version: ClassVar[int] = 1

    signal_id: UUID
    vlp_id: str
    destination: MunicipalityCode
    outcome: ForwardingOutcome
    # Attempts it took (0 when it was never sent).
    attempts: int = Field(ge=0)

    def partition_key(self) -> str:
        return str(self.signal_id)
