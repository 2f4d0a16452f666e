"""followup's tables."""

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


class FollowupCase(Base):
    """The case as followup works it: its lifecycle (open → closed → reopened, §8.8.2), the
    matcher's lean facts it orders the work queue by, and the case worker's circumstances."""

    __tablename__ = "cases"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    status: Mapped[str]
    # The matcher's CaseState version last applied: an older event changes nothing.
    case_version: Mapped[int]
    crisis: Mapped[bool]
    flags: Mapped[list[str]] = mapped_column(JSONB)
    priority_score: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    signal_ids: Mapped[list[str]] = mapped_column(JSONB)
    signal_count: Mapped[int]
    offer_owed: Mapped[bool]
    household_size: Mapped[int | None]
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    outcome_category: Mapped[str | None]
    outcome_detail: Mapped[str | None]
    # R-MAT-6: the case worker's circumstances, because the offer depends on them.
    beschermingsbewind: Mapped[bool]
    curatele: Mapped[bool]
    # R-FU-5: when the scheduler announced the 14-day intermediate result (once).
    intermediate_result_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The contact plan's criteria (R-FU-3): the arrears of its signals together, and minors.
    total_amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    minors_present: Mapped[bool | None]


class Deadline(InsertedTogether, Base):
    """When a case's first contact attempt is due (R-FU-1), and what was announced of it."""

    __tablename__ = "first_contact_deadlines"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    # The receipt the deadline counts from (the column keeps its first name).
    opened_on: Mapped[date]
    due_date: Mapped[date]
    working_days: Mapped[int]
    crisis: Mapped[bool]
    # The first day it counts as due soon (policy: working days left).
    due_soon_on: Mapped[date]
    due_soon_sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    missed_sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The day a person first tried to reach the resident (an automatic message does not count).
    met_on: Mapped[date | None]


class Attempt(Base):
    """A contact attempt (R-FU-2): kind from the CBS set, date, part of day, result."""

    __tablename__ = "attempts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.case_id"), index=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    kind: Mapped[str]
    attempted_on: Mapped[date]
    part_of_day: Mapped[str | None]
    result: Mapped[str]
    automatic: Mapped[bool]
    # A reply to a letter is recorded on the letter's attempt (§8.5.3).
    replied_on: Mapped[date | None]
    registered_by: Mapped[str]
    registered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # Sent by the contact plan (R-FU-3): the letter's template with its version (or Notify's
    # template for an SMS or e-mail), and Notify's id of the message. Nothing personal.
    template: Mapped[str | None] = mapped_column(default=None)
    notify_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class ContactPlanVersion(VersionedByMunicipality, Base):
    """One version of a municipality's contact plan (R-FU-3): its ordered steps and who the
    automatic messages come from."""

    __tablename__ = "contact_plans"

    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    sender: Mapped[dict[str, Any]] = mapped_column(JSONB)
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    saved_by: Mapped[str]


class CaseContacts(Base):
    """How to reach a case's resident, as the matcher tells (CaseContactsChanged): personal
    data, erased when due from the case's closing (R-MAT-5)."""

    __tablename__ = "case_contacts"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    # The case state version it goes with: an older one changes nothing.
    version: Mapped[int]
    name: Mapped[str | None]
    # The address lines, one per line.
    address: Mapped[str | None]
    phone: Mapped[str | None]
    email: Mapped[str | None]
    case_closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class PlanSend(Base):
    """An automatic step of the contact plan for one case: claimed (its attempt's id fixed, to
    be Notify's `reference`) before Notify is asked, marked sent in its attempt's transaction,
    or refused by Notify for good."""

    __tablename__ = "contact_plan_sends"

    case_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The step as `contact_plan.Step.key` names it: kind and delay.
    step: Mapped[str] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    attempt_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    claimed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Why it will not go out (Notify's error names, or the letter could not be made).
    refused: Mapped[str | None]


class Outcome(Base):
    """An outcome registered on a case (R-FU-4); a reopened case keeps its earlier ones."""

    __tablename__ = "outcomes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.case_id"), index=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    category: Mapped[str | None]
    detail: Mapped[str]
    # WIL_GEEN_HULP: the resident's own reason, and their explicit written consent to tell
    # the creditor (who recorded it, when, how). Personal data (R-MAT-5).
    reason: Mapped[str | None]
    consent_recorded_by: Mapped[str | None]
    consent_on: Mapped[date | None]
    consent_how: Mapped[str | None]
    registered_by: Mapped[str]
    registered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # When its case closed with it: the retention clock of its personal data.
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Note(Base):
    """A dossier note (R-BRP-2/3, R-MAT-6): free text, personal data (R-MAT-5)."""

    __tablename__ = "notes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("cases.case_id"), index=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    text: Mapped[str | None]
    written_by: Mapped[str]
    written_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # When its case last closed: the retention clock (R-MAT-5).
    case_closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AuditEntry(Base):
    """Who changed what on a case, and when (domain §10, §8.8.2's reopening and its reason)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str]
    action: Mapped[str]
    case_id: Mapped[uuid.UUID | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)


class ShvItem(Base):
    """A signal of a resident known to debt help (R-BRP-4) in the SHV professional's queue:
    what the professional needs, the person's name and BSN (personal data, R-MAT-5), and once
    handled, what was done (free text, personal) and the result (R-FU-4)."""

    __tablename__ = "shv_items"

    signal_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    vlp_id: Mapped[str]
    vlp_type: Mapped[str]
    kind: Mapped[str]
    arrears_type: Mapped[str]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # R-BRP-4 (a) ACTIVE or (b) RECENT_DECISION.
    debt_help: Mapped[str]
    name: Mapped[str | None]
    bsn: Mapped[str | None] = mapped_column(sa.String(9))
    handled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    handled_by: Mapped[str | None]
    action_taken: Mapped[str | None]
    outcome_category: Mapped[str | None]
    outcome_detail: Mapped[str | None]


_notes = Base.metadata.tables["notes"]
_contacts = Base.metadata.tables["case_contacts"]
_outcomes = Base.metadata.tables["outcomes"]
_shv = Base.metadata.tables["shv_items"]
# R-MAT-5: notes, the resident's contacts and a refusal's reason and consent go when the policy
# says, counted from the case's closing; kinds, dates, results and outcome details stay for the
# monitor.
RETENTION = (
    Erasure(
        "followup.note",
        _notes,
        erase={"text": None},
        clock=_notes.c.case_closed_at,
        municipality=_notes.c.municipality,
    ),
    Erasure(
        "followup.outcome-reason",
        _outcomes,
        erase=dict.fromkeys(["reason", "consent_recorded_by", "consent_how"]),
        clock=_outcomes.c.closed_at,
        municipality=_outcomes.c.municipality,
    ),
    # An SHV item belongs to no case: its clock is its handling, or its receipt while open.
    Erasure(
        "followup.shv-item",
        _shv,
        erase=dict.fromkeys(["name", "bsn", "action_taken"]),
        clock=sa.func.coalesce(_shv.c.handled_at, _shv.c.received_at),
        municipality=_shv.c.municipality,
    ),
    Erasure(
        "followup.case-contacts",
        _contacts,
        erase=dict.fromkeys(["name", "address", "phone", "email"]),
        clock=_contacts.c.case_closed_at,
        municipality=_contacts.c.municipality,
    ),
)
