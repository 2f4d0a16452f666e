"""intake's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vroeg.shared.retention import Erasure
from vroeg.shared.versions import VersionedByMunicipality


class Base(DeclarativeBase):
    pass


class Vlp(Base):
    """A creditor (vaste lasten partner) that may deliver signals."""

    __tablename__ = "vlps"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    vlp_type: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Agreement(Base):
    """A creditor's agreement with a municipality (R-IN-7), with its period."""

    __tablename__ = "agreements"

    vlp_id: Mapped[str] = mapped_column(sa.ForeignKey("vlps.id"), primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]


class PolicyVersion(VersionedByMunicipality, Base):
    """One version of a municipality's intake policy (R-IN-2, R-IN-4)."""

    __tablename__ = "policies"

    thresholds: Mapped[dict[str, str]] = mapped_column(JSONB)
    required_attestations: Mapped[dict[str, list[str]]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Signal(Base):
    """A delivered signal. `data` (personal data) is kept only for signals taken up."""

    __tablename__ = "signals"
    __table_args__ = (sa.UniqueConstraint("vlp_id", "vlp_reference", "forwarded_by"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    vlp_id: Mapped[str]
    vlp_reference: Mapped[str]
    # '' for a direct delivery; else the municipality that forwarded it (Awb 2:3).
    forwarded_by: Mapped[str]
    # A forward's provenance: when the forwarding municipality's intake received it.
    original_received_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    municipality: Mapped[str] = mapped_column(sa.String(4))
    kind: Mapped[str]
    arrears_type: Mapped[str]
    status: Mapped[str]
    reason: Mapped[str | None]
    policy_version: Mapped[int | None]
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))


class Batch(Base):
    """A batch delivery and its per-record results."""

    __tablename__ = "batches"
    __table_args__ = (sa.UniqueConstraint("vlp_id", "idempotency_key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    vlp_id: Mapped[str]
    idempotency_key: Mapped[str | None]
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)


class AuditEntry(Base):
    """An administrative act: who did what to which thing, when. Never a secret."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str]
    action: Mapped[str]
    subject: Mapped[str]
    details: Mapped[dict[str, Any]] = mapped_column(JSONB)


_signals = Base.metadata.tables["signals"]
_cak = _signals.c.status == "CAK_ONTVANGEN"
# R-MAT-5: a signal's personal data goes when the policy says, counted from receipt (a signal
# belongs to no case at intake); the row keeps its ids, municipality, kind, status and dates.
RETENTION = (
    Erasure(
        "intake.signal",
        _signals,
        erase={"data": None},
        clock=_signals.c.received_at,
        municipality=_signals.c.municipality,
        holds=sa.and_(_signals.c.data.is_not(None), sa.not_(_cak)),
    ),
    Erasure(
        "intake.cak-registration",
        _signals,
        erase={"data": None},
        clock=_signals.c.received_at,
        municipality=_signals.c.municipality,
        holds=sa.and_(_signals.c.data.is_not(None), _cak),
    ),
)
