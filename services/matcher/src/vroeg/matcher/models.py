"""matcher's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vroeg.shared.new_rows import InsertedTogether
from vroeg.shared.retention import Erasure
from vroeg.shared.versions import VersionedByMunicipality


class Base(DeclarativeBase):
    pass


class Case(InsertedTogether, Base):
    """A melding: one household's signals, followed up once (R-MAT-1)."""

    __tablename__ = "cases"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    # The address (R-MAT-1): personal data, erased when due (R-MAT-5).
    household_key: Mapped[str | None]
    # The mirror of followup's lifecycle (OPEN, CLOSED).
    status: Mapped[str]
    # The one case of its household that new signals join; a unique index backs it (R-MAT-2).
    accepting: Mapped[bool]
    version: Mapped[int]
    # The lean state last announced (vroeg.shared.events.CaseState).
    state: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The earliest receipt of its signals: the case's opening moment (R-MAT-3).
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    outcome: Mapped[str | None]
    outcome_detail: Mapped[str | None]
    # When followup last closed or reopened it: an older closing or reopening is stale.
    lifecycle_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class CaseSignal(InsertedTogether, Base):
    """A signal in a case: its facts, and its personal data until it falls due."""

    __tablename__ = "case_signals"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.id"))
    municipality: Mapped[str] = mapped_column(sa.String(4))
    household_key: Mapped[str | None]
    vlp_id: Mapped[str]
    vlp_type: Mapped[str]
    kind: Mapped[str]
    arrears_type: Mapped[str]
    route: Mapped[str]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    signal_date: Mapped[date]
    oldest_due_date: Mapped[date]
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    postcode_area: Mapped[str] = mapped_column(sa.String(4))
    business: Mapped[bool]
    household_size: Mapped[int | None]
    minors_present: Mapped[bool | None]
    # Personal data (R-MAT-5): the person the BRP check found, the creditor's reference and
    # the signal as delivered (name, address, phone, e-mail).
    bsn: Mapped[str | None] = mapped_column(sa.String(9))
    vlp_reference: Mapped[str | None]
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    # The municipality that forwarded it here (Awb 2:3): a repeat is told to it, not the creditor.
    forwarded_by: Mapped[str | None] = mapped_column(sa.String(4))
    # SignalRepeated was announced for it (once).
    repeat_announced: Mapped[bool]
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # When its case closed: the retention clock of its personal data (R-MAT-5).
    case_closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class PriorityPolicyVersion(VersionedByMunicipality, Base):
    """One version of a municipality's priority weights and vulnerable areas (R-MAT-4)."""

    __tablename__ = "priority_policies"

    weights: Mapped[dict[str, Any]] = mapped_column(JSONB)
    vulnerable_areas: Mapped[list[str]] = mapped_column(JSONB)
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    saved_by: Mapped[str]


class AuditEntry(Base):
    """Who read or changed what, and when (domain §10); nothing personal in it."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str]
    action: Mapped[str]
    case_id: Mapped[uuid.UUID | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)


class RoutedSignal(Base):
    """A signal that reaches no case (relocated, emigrated, a legal person, known to debt
    help), kept for the CBS export only (domain §9): its facts, and its personal data until it
    falls due, counted from receipt (R-MAT-5)."""

    __tablename__ = "routed_signals"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    route: Mapped[str]
    # Only for `relocated`: whether the BRP named the new municipality (R-BRP-1).
    destination_known: Mapped[bool | None]
    vlp_id: Mapped[str]
    vlp_type: Mapped[str]
    kind: Mapped[str]
    arrears_type: Mapped[str]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    signal_date: Mapped[date]
    oldest_due_date: Mapped[date]
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # Personal data (R-MAT-5): the person the BRP check found, and the signal as delivered.
    bsn: Mapped[str | None] = mapped_column(sa.String(9))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class RefusedSignal(Base):
    """A signal intake did not take up (R-IN-1 … R-IN-4), as its lean fact tells it: the CBS
    export delivers it with its status ("Niet opgepakt: onterecht signaal" or "…: andere
    reden"), without personal data — none was kept (domain §4)."""

    __tablename__ = "refused_signals"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    vlp_type: Mapped[str]
    kind: Mapped[str]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    refusal: Mapped[str]


class ContactAttempt(Base):
    """followup's contact attempt on a case, as its lean fact tells it (R-FU-2)."""

    __tablename__ = "contact_attempts"

    attempt_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID]
    municipality: Mapped[str] = mapped_column(sa.String(4))
    kind: Mapped[str]
    attempted_on: Mapped[date]
    part_of_day: Mapped[str | None]
    result: Mapped[str]
    automatic: Mapped[bool]
    # The newest announcement wins: a reply to a letter changes its result (§8.5.3).
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class FirstContact(Base):
    """A person's first attempt picked the case up (followup's FirstContactMet, R-FU-1)."""

    __tablename__ = "first_contacts"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    attempted_on: Mapped[date]
    on_time: Mapped[bool]


class DebtHelpOutcome(Base):
    """What the SHV professional registered for a signal known to debt help (R-BRP-4)."""

    __tablename__ = "debt_help_outcomes"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    category: Mapped[str]
    detail: Mapped[str]
    handled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


_cases = Base.metadata.tables["cases"]
_signals = Base.metadata.tables["case_signals"]
_routed = Base.metadata.tables["routed_signals"]
# R-MAT-5: a case's personal data goes when the policy says, counted from the case's closing;
# an open case's clock has not started. Ids, kinds, amounts, dates and outcomes stay.
RETENTION = (
    Erasure(
        "matcher.case-signal",
        _signals,
        erase=dict.fromkeys(["household_key", "bsn", "vlp_reference", "data"]),
        clock=_signals.c.case_closed_at,
        municipality=_signals.c.municipality,
        # All four go together; the predicate of migration 0003's partial index.
        holds=_signals.c.data.is_not(None),
    ),
    Erasure(
        "matcher.case",
        _cases,
        erase={"household_key": None},
        clock=_cases.c.closed_at,
        municipality=_cases.c.municipality,
    ),
    # A signal that reaches no case: counted from its receipt (contracts.md, Retention).
    Erasure(
        "matcher.routed-signal",
        _routed,
        erase=dict.fromkeys(["bsn", "data"]),
        clock=_routed.c.received_at,
        municipality=_routed.c.municipality,
    ),
)
