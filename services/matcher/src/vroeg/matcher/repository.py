"""All of matcher's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from vroeg.matcher.models import (
    AuditEntry,
    Base,
    Case,
    CaseSignal,
    ContactAttempt,
    DebtHelpOutcome,
    FirstContact,
    PriorityPolicyVersion,
    RefusedSignal,
    RoutedSignal,
)
from vroeg.shared import versions
from vroeg.shared.events import SignalKind
from vroeg.shared.sql import any_of
from vroeg.shared.upserts import insert_once, keep, table_of, upsert


async def lock_households(session: AsyncSession, municipality_keys: Sequence[str]) -> None:
    """Serialise all work on these households' cases until the transaction ends (R-MAT-2):
    signals of one household handled at once by several partitions or replicas take turns.
    Taken in sorted order, so two transactions locking several never wait for each other in
    a circle."""
    await session.execute(
        sa.text(
            "SELECT pg_advisory_xact_lock(hashtextextended('matcher:' || k, 0)) "
            "FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS u(k, n) ORDER BY n"
        ),
        {"keys": sorted(set(municipality_keys))},
    )


def _of_keys(keys: Sequence[tuple[str, str]], rows: Any) -> sa.Select[Any]:
    """`rows` (cases or signals) of these (municipality, household key) pairs, by an index
    look-up per pair: the pairs are a table of two array parameters however many (an IN list
    of pairs is a new statement per count; a semi-join on it was planned as a sequential scan
    of all cases)."""
    pairs = (
        sa.func.unnest(
            sa.literal([m for m, _ in keys], ARRAY(sa.String())),
            sa.literal([k for _, k in keys], ARRAY(sa.String())),
        )
        .table_valued("municipality", "household_key")
        .render_derived()
    )
    return (
        sa.select()
        .select_from(pairs)
        .join(
            rows,
            sa.and_(
                rows.municipality == pairs.c.municipality,
                rows.household_key == pairs.c.household_key,
            ),
        )
    )


async def households(
    session: AsyncSession, keys: Sequence[tuple[str, str]], since: datetime
) -> tuple[list[Case], list[CaseSignal]]:
    """The households' cases that take signals or had one received since `since`, and all
    their signals. `keys` are (municipality, household key) pairs.

    Read under the households' lock, as they are now: a row the session read before the lock
    (a closing's case, to find its household) is overwritten with what the transactions that
    held the lock meanwhile committed, else a reopening would undo a closing it never saw."""
    # Each household's case that takes signals (its partial unique index), and the cases of
    # its signals received since (the signals' household index).
    taking = aliased(Case, name="taking")
    accepting = _of_keys(keys, taking).add_columns(taking.id).where(taking.accepting)
    received = (
        _of_keys(keys, CaseSignal)
        .add_columns(CaseSignal.case_id)
        .where(CaseSignal.received_at >= since)
    )
    # The cases of the households themselves: a case whose key was erased (retention erases
    # cases and signals in separate transactions) is no longer its signals' household's.
    cases = list(
        await session.scalars(
            _of_keys(keys, Case)
            .add_columns(Case)
            .where(Case.id.in_(sa.union_all(accepting, received)))
            .execution_options(populate_existing=True)
        )
    )
    if not cases:
        return [], []
    signals = list(
        await session.scalars(
            sa.select(CaseSignal)
            .where(any_of(CaseSignal.case_id, [c.id for c in cases]))
            .execution_options(populate_existing=True)
        )
    )
    return cases, signals


async def person_signals(
    session: AsyncSession, municipalities: Sequence[str], bsns: Sequence[str], since: datetime
) -> list[CaseSignal]:
    """Persons' signals received since `since`, at any address (R-IN-5's same debt)."""
    return list(
        await session.scalars(
            sa.select(CaseSignal).where(
                any_of(CaseSignal.municipality, municipalities),
                any_of(CaseSignal.bsn, bsns),
                CaseSignal.received_at >= since,
            )
        )
    )


async def get_case(session: AsyncSession, case_id: uuid.UUID) -> Case | None:
    """One case."""
    return await session.get(Case, case_id)


async def get_cases(session: AsyncSession, case_ids: Sequence[uuid.UUID]) -> Sequence[Case]:
    """Several cases, in one statement."""
    return (await session.scalars(sa.select(Case).where(any_of(Case.id, case_ids)))).all()


async def add(session: AsyncSession, rows: Sequence[Case | CaseSignal]) -> None:
    """Store new cases and signals."""
    session.add_all(rows)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    """Write the changes made to loaded rows."""
    await session.flush()


async def case_signals(session: AsyncSession, case_id: uuid.UUID) -> list[CaseSignal]:
    """A case's signals, in receipt order."""
    return list(
        await session.scalars(
            sa.select(CaseSignal)
            .where(CaseSignal.case_id == case_id)
            .order_by(CaseSignal.received_at, CaseSignal.signal_id)
        )
    )


async def earlier_cases(session: AsyncSession, case: Case) -> list[Case]:
    """The other cases of a case's address, newest first (the recidive history, R-MAT-3)."""
    if case.household_key is None:
        return []
    return list(
        await session.scalars(
            sa.select(Case)
            .where(
                Case.municipality == case.municipality,
                Case.household_key == case.household_key,
                Case.id != case.id,
                Case.opened_at < case.opened_at,
            )
            .order_by(Case.opened_at.desc())
        )
    )


async def current_policies(
    session: AsyncSession, municipalities: Sequence[str]
) -> dict[str, PriorityPolicyVersion]:
    """The newest priority policy of each municipality that saved one."""
    return await versions.newest(session, PriorityPolicyVersion, municipalities)


async def add_policy_version(
    session: AsyncSession,
    municipality: str,
    weights: dict[str, Any],
    vulnerable_areas: list[str],
    *,
    saved_at: datetime,
    saved_by: str,
) -> PriorityPolicyVersion:
    """Save a policy as the municipality's next version."""
    return await versions.save_next(
        session,
        PriorityPolicyVersion(
            municipality=municipality,
            weights=weights,
            vulnerable_areas=vulnerable_areas,
            saved_at=saved_at,
            saved_by=saved_by,
        ),
    )


async def add_audit(session: AsyncSession, entry: AuditEntry) -> None:
    """Append to the audit log."""
    session.add(entry)
    await session.flush()


# What the CBS export joins (domain §9): each fact kept by its own id, whatever the order.


def _values(row: Base) -> dict[str, Any]:
    """A fact's row as its table's values."""
    return {c.key: getattr(row, c.key) for c in table_of(type(row)).columns}


async def _keep_once(session: AsyncSession, row: Base, key: str) -> None:
    """Keep a fact's row unless one with its `key` is kept already (the first stays)."""
    values = _values(row)
    await keep(session, insert_once(table_of(type(row)), tuple(values), (key,)), [values])


async def keep_routed_signal(session: AsyncSession, row: RoutedSignal) -> None:
    """Keep a signal that reaches no case (once)."""
    await _keep_once(session, row, "signal_id")


async def keep_refused_signal(session: AsyncSession, row: RefusedSignal) -> None:
    """Keep a signal intake refused (once)."""
    await _keep_once(session, row, "signal_id")


async def keep_attempt(session: AsyncSession, row: ContactAttempt) -> None:
    """Keep a contact attempt; a newer announcement of it (a reply, §8.5.3) replaces an older
    one, an older one changes nothing."""
    values = _values(row)
    statement = upsert(table_of(ContactAttempt), tuple(values), ("attempt_id",), _not_older)
    await keep(session, statement, [values])


def _not_older(proposed: Any, table: sa.Table) -> sa.ColumnElement[bool]:
    return table.c.occurred_at <= proposed.occurred_at  # type: ignore[no-any-return]


async def keep_first_contact(session: AsyncSession, row: FirstContact) -> None:
    """Keep the day a case was picked up (announced once)."""
    await _keep_once(session, row, "case_id")


async def keep_debt_help_outcome(session: AsyncSession, row: DebtHelpOutcome) -> None:
    """Keep what the SHV professional registered for a signal (once)."""
    await _keep_once(session, row, "signal_id")


async def period_case_signals(
    session: AsyncSession, municipality: str, since: datetime, until: datetime
) -> list[CaseSignal]:
    """A municipality's signals in cases received from `since` until before `until`."""
    return list(
        await session.scalars(
            sa.select(CaseSignal).where(
                CaseSignal.municipality == municipality,
                CaseSignal.received_at >= since,
                CaseSignal.received_at < until,
                CaseSignal.kind != SignalKind.CAK_WANBETALER,
            )
        )
    )


async def period_routed_signals(
    session: AsyncSession, municipality: str, since: datetime, until: datetime
) -> list[RoutedSignal]:
    """A municipality's signals that reach no case, received from `since` until before
    `until`."""
    return list(
        await session.scalars(
            sa.select(RoutedSignal).where(
                RoutedSignal.municipality == municipality,
                RoutedSignal.received_at >= since,
                RoutedSignal.received_at < until,
                RoutedSignal.kind != SignalKind.CAK_WANBETALER,
            )
        )
    )


async def period_refused_signals(
    session: AsyncSession, municipality: str, since: datetime, until: datetime
) -> list[RefusedSignal]:
    """A municipality's signals intake refused, received from `since` until before `until`."""
    return list(
        await session.scalars(
            sa.select(RefusedSignal).where(
                RefusedSignal.municipality == municipality,
                RefusedSignal.received_at >= since,
                RefusedSignal.received_at < until,
            )
        )
    )


async def cases_by_id(session: AsyncSession, case_ids: Collection[uuid.UUID]) -> list[Case]:
    """These cases."""
    if not case_ids:
        return []
    return list(await session.scalars(sa.select(Case).where(any_of(Case.id, case_ids))))


async def attempts_of(
    session: AsyncSession, case_ids: Collection[uuid.UUID]
) -> list[ContactAttempt]:
    """These cases' contact attempts."""
    if not case_ids:
        return []
    return list(
        await session.scalars(
            sa.select(ContactAttempt).where(any_of(ContactAttempt.case_id, case_ids))
        )
    )


async def first_contacts_of(
    session: AsyncSession, case_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, FirstContact]:
    """These cases' first contacts, by case."""
    if not case_ids:
        return {}
    found = await session.scalars(
        sa.select(FirstContact).where(any_of(FirstContact.case_id, case_ids))
    )
    return {f.case_id: f for f in found}


async def debt_help_outcomes_of(
    session: AsyncSession, signal_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, DebtHelpOutcome]:
    """These debt-help signals' outcomes, by signal."""
    if not signal_ids:
        return {}
    found = await session.scalars(
        sa.select(DebtHelpOutcome).where(any_of(DebtHelpOutcome.signal_id, signal_ids))
    )
    return {o.signal_id: o for o in found}
