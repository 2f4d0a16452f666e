"""All of followup's SQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.followup.models import (
    Attempt,
    AuditEntry,
    CaseContacts,
    ContactPlanVersion,
    Deadline,
    FollowupCase,
    Note,
    Outcome,
    PlanSend,
    ShvItem,
)
from vroeg.shared import versions
from vroeg.shared.events import CaseStatus, ContactResult
from vroeg.shared.sql import any_of
from vroeg.shared.upserts import insert_once, keep, later, table_of, upsert

# The most open cases the contact plan's job reads at once.
PLAN_CHUNK = 500


async def get_case(
    session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False
) -> FollowupCase | None:
    """A case, locked for the transaction when it is to change."""
    return await session.get(FollowupCase, case_id, with_for_update=for_update)


async def cases_for_update(
    session: AsyncSession, news: Sequence[FollowupCase]
) -> dict[uuid.UUID, FollowupCase]:
    """The cases, locked for the transaction in the order of their ids; each of `news` is
    stored first when there is none (a batch's cases in two statements).

    A case's first events arrive on several topics (CaseOpened, CaseUpdated), whose partitions
    other workers or replicas handle at the same moment: both can find no case. Inserting
    with ON CONFLICT DO NOTHING makes the later wait for the earlier to commit and then lock
    its row, instead of failing on the key (and being retried, or parked, for it).
    """
    ordered = sorted(news, key=lambda case: case.case_id)
    columns = sa.inspect(FollowupCase).columns
    rows = [{c.name: getattr(new, c.key) for c in columns} for new in ordered]
    await keep(session, insert_once(table_of(FollowupCase), tuple(rows[0]), ("case_id",)), rows)
    found = await session.scalars(
        sa.select(FollowupCase)
        .where(any_of(FollowupCase.case_id, [case.case_id for case in ordered]))
        .order_by(FollowupCase.case_id)
        .with_for_update()
    )
    return {case.case_id: case for case in found}


async def deadlines_for_update(
    session: AsyncSession, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Deadline]:
    """The first-contact deadlines these cases have, locked for the transaction."""
    found = await session.scalars(
        sa.select(Deadline)
        .where(any_of(Deadline.case_id, sorted(case_ids)))
        .order_by(Deadline.case_id)
        .with_for_update()
    )
    return {deadline.case_id: deadline for deadline in found}


async def closings(
    session: AsyncSession, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, datetime | None]:
    """When each of these cases (those there are) closed, if it is closed."""
    rows = await session.execute(
        sa.select(FollowupCase.case_id, FollowupCase.closed_at).where(
            any_of(FollowupCase.case_id, case_ids)
        )
    )
    return {case_id: closed_at for case_id, closed_at in rows.tuples()}


async def get_deadline(
    session: AsyncSession, case_id: uuid.UUID, *, for_update: bool = False
) -> Deadline | None:
    """A case's first-contact deadline."""
    return await session.get(Deadline, case_id, with_for_update=for_update)


def add(session: AsyncSession, *rows: object) -> None:
    """Store new rows (written at the latest when the transaction commits)."""
    session.add_all(rows)


async def flush(session: AsyncSession) -> None:
    """Write the changes made to loaded rows."""
    await session.flush()


async def attempts(session: AsyncSession, case_id: uuid.UUID) -> list[Attempt]:
    """A case's contact attempts, oldest first."""
    return list(
        await session.scalars(
            sa.select(Attempt)
            .where(Attempt.case_id == case_id)
            .order_by(Attempt.attempted_on, Attempt.registered_at)
        )
    )


async def outcomes(session: AsyncSession, case_id: uuid.UUID) -> list[Outcome]:
    """A case's outcomes, oldest first (a reopened case keeps its earlier ones)."""
    return list(
        await session.scalars(
            sa.select(Outcome).where(Outcome.case_id == case_id).order_by(Outcome.registered_at)
        )
    )


async def notes(session: AsyncSession, case_id: uuid.UUID) -> list[Note]:
    """A case's dossier notes, oldest first."""
    return list(
        await session.scalars(
            sa.select(Note).where(Note.case_id == case_id).order_by(Note.written_at)
        )
    )


async def close_personal_clocks(
    session: AsyncSession, case_id: uuid.UUID, closed_at: datetime | None
) -> None:
    """Start (or, on reopening, stop) the retention clock of the case's notes and of the
    resident's contacts (R-MAT-5)."""
    await session.execute(
        sa.update(Note).where(Note.case_id == case_id).values(case_closed_at=closed_at)
    )
    await session.execute(
        sa.update(CaseContacts)
        .where(CaseContacts.case_id == case_id)
        .values(case_closed_at=closed_at)
    )


async def work_queue(
    session: AsyncSession, municipalities: Sequence[str], limit: int
) -> list[tuple[FollowupCase, Deadline | None]]:
    """Open cases of these municipalities: the earliest deadline first, then crisis, then the
    highest priority score (R-FU-1, R-MAT-4)."""
    rows = await session.execute(
        sa.select(FollowupCase, Deadline)
        .outerjoin(Deadline, Deadline.case_id == FollowupCase.case_id)
        .where(
            FollowupCase.municipality.in_(list(municipalities)),
            FollowupCase.status == CaseStatus.OPEN,
        )
        .order_by(
            Deadline.due_date.asc().nulls_last(),
            FollowupCase.crisis.desc(),
            FollowupCase.priority_score.desc(),
            FollowupCase.opened_at,
        )
        .limit(limit)
    )
    return [(case, deadline) for case, deadline in rows.tuples()]


async def add_audit(session: AsyncSession, entry: AuditEntry) -> None:
    """Append to the audit log."""
    session.add(entry)
    await session.flush()


async def attempt_summaries(
    session: AsyncSession, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, bool]]:
    """Per case: how many attempts, and whether one reached the resident."""
    rows = await session.execute(
        sa.select(
            Attempt.case_id,
            sa.func.count(),
            sa.func.bool_or(Attempt.result == ContactResult.BEREIKT),
        )
        .where(any_of(Attempt.case_id, case_ids))
        .group_by(Attempt.case_id)
    )
    return {case_id: (int(n), bool(reached)) for case_id, n, reached in rows.tuples()}


async def get_shv_item(
    session: AsyncSession, signal_id: uuid.UUID, *, for_update: bool = False
) -> ShvItem | None:
    """An item of the SHV queue."""
    return await session.get(ShvItem, signal_id, with_for_update=for_update)


async def shv_queue(
    session: AsyncSession, municipalities: Sequence[str], limit: int
) -> list[ShvItem]:
    """The open items of these municipalities' SHV queue, oldest receipt first (R-BRP-4)."""
    return list(
        await session.scalars(
            sa.select(ShvItem)
            .where(ShvItem.municipality.in_(list(municipalities)), ShvItem.handled_at.is_(None))
            .order_by(ShvItem.received_at, ShvItem.signal_id)
            .limit(limit)
        )
    )


async def add_plan_version(
    session: AsyncSession,
    municipality: str,
    steps: list[dict[str, object]],
    sender: dict[str, object],
    *,
    saved_at: datetime,
    saved_by: str,
) -> ContactPlanVersion:
    """Save a contact plan as the municipality's next version."""
    return await versions.save_next(
        session,
        ContactPlanVersion(
            municipality=municipality,
            steps=steps,
            sender=sender,
            saved_at=saved_at,
            saved_by=saved_by,
        ),
    )


async def plans_in_force(
    session: AsyncSession, municipalities: Sequence[str] | None = None
) -> dict[str, ContactPlanVersion]:
    """Each municipality's newest saved contact plan (of these municipalities, or all)."""
    return await versions.newest(session, ContactPlanVersion, municipalities)


async def store_contacts(session: AsyncSession, contacts: Sequence[CaseContacts]) -> None:
    """Keep cases' contacts, each unless newer ones are kept already (in the given order: a
    case's contacts twice are as if told twice)."""
    if not contacts:
        return
    columns = sa.inspect(CaseContacts).columns
    rows = [{c.name: getattr(each, c.key) for c in columns} for each in contacts]
    statement = upsert(table_of(CaseContacts), tuple(rows[0]), ("case_id",), later("version"))
    await keep(session, statement, rows)


async def get_contacts(session: AsyncSession, case_id: uuid.UUID) -> CaseContacts | None:
    return await session.get(CaseContacts, case_id)


async def plan_candidates(
    session: AsyncSession,
    municipalities: Sequence[str],
    after: uuid.UUID | None,
) -> list[tuple[FollowupCase, CaseContacts | None, dict[str, PlanSend]]]:
    """The next chunk of open cases of these municipalities (by id, after `after`), with their
    contacts and the automatic steps claimed for them."""
    query = (
        sa.select(FollowupCase, CaseContacts)
        .outerjoin(CaseContacts, CaseContacts.case_id == FollowupCase.case_id)
        .where(
            FollowupCase.municipality.in_(list(municipalities)),
            FollowupCase.status == CaseStatus.OPEN,
        )
        .order_by(FollowupCase.case_id)
        .limit(PLAN_CHUNK)
    )
    if after is not None:
        query = query.where(FollowupCase.case_id > after)
    rows = list((await session.execute(query)).tuples())
    sends: dict[uuid.UUID, dict[str, PlanSend]] = {}
    if rows:
        for send in await session.scalars(
            sa.select(PlanSend).where(any_of(PlanSend.case_id, [case.case_id for case, _ in rows]))
        ):
            sends.setdefault(send.case_id, {})[send.step] = send
    return [(case, contacts, sends.get(case.case_id, {})) for case, contacts in rows]


async def get_send(session: AsyncSession, case_id: uuid.UUID, step: str) -> PlanSend | None:
    """An automatic step's claim, locked for the transaction."""
    return await session.get(PlanSend, (case_id, step), with_for_update=True)


async def case_sends(session: AsyncSession, case_id: uuid.UUID) -> dict[str, PlanSend]:
    """The automatic steps claimed for a case, by step."""
    rows = await session.scalars(sa.select(PlanSend).where(PlanSend.case_id == case_id))
    return {send.step: send for send in rows}
