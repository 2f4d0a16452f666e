"""reporting's tables: lean facts only (contracts.md), each row a thing at its latest state."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vroeg.shared.versions import VersionedByMunicipality


class Base(DeclarativeBase):
    pass


class SignalFactRow(Base):
    """A signal intake took up or refused (`SignalFact`)."""

    __tablename__ = "signal_facts"

    signal_id: Mapped[UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    vlp_id: Mapped[str]
    vlp_type: Mapped[str]
    kind: Mapped[str]
    arrears_type: Mapped[str]
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    postcode_area: Mapped[str] = mapped_column(sa.String(4))
    age_band: Mapped[str | None]
    phone_present: Mapped[bool]
    email_present: Mapped[bool]
    # The Dutch date of intake's receipt: which period the signal counts in.
    received_on: Mapped[date]
    refusal: Mapped[str | None]


class RouteFactRow(Base):
    """A signal's route: `review` until a reviewer decides, then its final route."""

    __tablename__ = "route_facts"

    signal_id: Mapped[UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    route: Mapped[str]
    final: Mapped[bool]
    debt_help: Mapped[str | None]
    age_band: Mapped[str | None]
    household_size: Mapped[int | None]
    minors_present: Mapped[bool | None]
    routed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class CaseRow(Base):
    """A case (melding) at the highest state version seen (`CaseState`)."""

    __tablename__ = "cases"

    case_id: Mapped[UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    version: Mapped[int]
    status: Mapped[str]
    # The Dutch date of its first signal's receipt: which period the case counts in.
    opened_on: Mapped[date]
    crisis: Mapped[bool]
    signals: Mapped[int]
    debt_amount: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    household_size: Mapped[int | None]
    minors_present: Mapped[bool | None]
    postcode_area: Mapped[str] = mapped_column(sa.String(4))
    recidive: Mapped[bool]
    consecutive: Mapped[bool]
    previous_outcome: Mapped[str | None]


class AttemptRow(Base):
    """A contact attempt at its latest result (`ContactAttempted`)."""

    __tablename__ = "attempts"

    attempt_id: Mapped[UUID] = mapped_column(primary_key=True)
    case_id: Mapped[UUID]
    municipality: Mapped[str] = mapped_column(sa.String(4))
    kind: Mapped[str]
    attempted_on: Mapped[date]
    reached: Mapped[bool]
    automatic: Mapped[bool]
    # When the result was last told: a later telling wins, an older one changes nothing.
    as_of: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class OutcomeRow(Base):
    """A case's latest outcome (`CaseOutcomeRegistered`; a reopened case closed again)."""

    __tablename__ = "outcomes"

    case_id: Mapped[UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    category: Mapped[str | None]
    detail: Mapped[str]
    closed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class DeadlineRow(Base):
    """A case's first-contact deadline (R-FU-1) and whether it was met on time or missed."""

    __tablename__ = "deadlines"

    case_id: Mapped[UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    due_date: Mapped[date | None]
    set_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    met_on_time: Mapped[bool | None]
    missed: Mapped[bool] = mapped_column(server_default=sa.false())
    # Announced due soon with nobody having tried (R-FU-1's warning).
    due_soon: Mapped[bool] = mapped_column(server_default=sa.false())


class IntermediateResultRow(Base):
    """A case's intermediate result 14 days after opening (R-FU-5): reached or not."""

    __tablename__ = "intermediate_results"

    case_id: Mapped[UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    reached: Mapped[bool]


class DebtHelpHandledRow(Base):
    """A debt-help signal an SHV professional handled (`DebtHelpSignalHandled`)."""

    __tablename__ = "debt_help_handled"

    signal_id: Mapped[UUID] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    category: Mapped[str]
    detail: Mapped[str]
    handled_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class ForwardRow(Base):
    """What became of a relocated signal's forward to the competent municipality (Awb 2:3,
    `SignalForwarded`): forwarded, or why not."""

    __tablename__ = "forwards"

    signal_id: Mapped[UUID] = mapped_column(primary_key=True)
    # The forwarding municipality: the one the indicator counts it for.
    municipality: Mapped[str] = mapped_column(sa.String(4))
    destination: Mapped[str] = mapped_column(sa.String(4))
    outcome: Mapped[str]
    attempts: Mapped[int]
    decided_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # The Dutch date of the decision: which period the forward counts in.
    decided_on: Mapped[date]


class AgreementRow(Base):
    """A creditor's agreement with a municipality as last changed (`AgreementChanged`); a
    deleted one stays, `removed`, so an older event arriving late cannot bring it back."""

    __tablename__ = "agreements"

    vlp_id: Mapped[str] = mapped_column(primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    vlp_type: Mapped[str]
    starts_on: Mapped[date]
    # Its last day in force; None: until changed.
    ends_on: Mapped[date | None]
    removed: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class MonitorPolicyVersion(VersionedByMunicipality, Base):
    """One version of a municipality's monitor policy: after how many weeks without a signal
    taken up a creditor with an agreement in force has gone silent (§8.3.1). Not a fact: a
    rebuild keeps it."""

    __tablename__ = "monitor_policies"

    silent_weeks: Mapped[int]
    saved_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    saved_by: Mapped[str]


FACT_TABLES = (
    SignalFactRow,
    RouteFactRow,
    CaseRow,
    AttemptRow,
    OutcomeRow,
    DeadlineRow,
    IntermediateResultRow,
    DebtHelpHandledRow,
    ForwardRow,
    AgreementRow,
)


class StaleMonthRow(Base):
    """A month of a municipality whose figures changed since the rollup kept them: a fact
    table's trigger (migration 0007) writes one per change; the rollup's refresh takes them."""

    __tablename__ = "stale_months"

    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    municipality: Mapped[str] = mapped_column(sa.String(4))
    month: Mapped[date]


class MonthlyFigureRow(Base):
    """One by-month indicator's numerator and denominator for a municipality, month and
    breakdown key, as its catalogue query gave them (`rollup`)."""

    __tablename__ = "monthly_figures"

    municipality: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(primary_key=True)
    numerator: Mapped[Decimal] = mapped_column(sa.Numeric)
    denominator: Mapped[Decimal | None] = mapped_column(sa.Numeric)


# What a rebuild empties besides the facts: the rollup made of them.
ROLLUP_TABLES = (StaleMonthRow, MonthlyFigureRow)
