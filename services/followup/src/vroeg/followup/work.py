"""The case worker's acts on a case, and the lifecycle they move (R-FU-1 … R-FU-4, §8.8.2):
each changes the case in one transaction with its audit entry and the event that tells the
others (the matcher mirrors closing and reopening; reporting counts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from vroeg.followup import repository, rules
from vroeg.followup.models import Attempt, AuditEntry, Deadline, FollowupCase, Note, Outcome
from vroeg.shared.events import (
    CaseFlag,
    CaseOutcomeRegistered,
    CaseReopened,
    CaseStatus,
    ContactAttempted,
    ContactKind,
    ContactResult,
    FirstContactMet,
    OutcomeCategory,
    OutcomeDetail,
    PartOfDay,
    collection_paused_until,
)
from vroeg.shared.messaging.unit_of_work import UnitOfWork

CLOSED, REOPENED = "case.closed", "case.reopened"
ATTEMPT, REPLY, NOTE, CIRCUMSTANCES, READ = (
    "attempt.registered",
    "attempt.reply",
    "note.written",
    "circumstances.set",
    "case.followup-read",
)


async def _audit(
    uow: UnitOfWork, case: FollowupCase, actor: str, action: str, now: datetime, **details: object
) -> None:
    await repository.add_audit(
        uow.session,
        AuditEntry(
            municipality=case.municipality,
            at=now,
            actor=actor,
            action=action,
            case_id=case.case_id,
            details=details,
        ),
    )


async def close(
    uow: UnitOfWork,
    case: FollowupCase,
    *,
    category: OutcomeCategory | None,
    detail: OutcomeDetail,
    actor: str,
    now: datetime,
    reason: str | None = None,
    consent: tuple[str, date, str] | None = None,
) -> Outcome:
    """Register the outcome, which closes the case (R-FU-4): CaseOutcomeRegistered carries the
    signals the case holds now; one the matcher joins later goes to a new case."""
    case.status = rules.transition(CaseStatus(case.status), rules.CaseAction.CLOSE)
    case.closed_at, case.outcome_category, case.outcome_detail = now, category, detail
    outcome = Outcome(
        id=uuid.uuid4(),
        case_id=case.case_id,
        municipality=case.municipality,
        category=category,
        detail=detail,
        reason=reason,
        consent_recorded_by=consent[0] if consent else None,
        consent_on=consent[1] if consent else None,
        consent_how=consent[2] if consent else None,
        registered_by=actor,
        registered_at=now,
        closed_at=now,
    )
    repository.add(uow.session, outcome)
    await repository.close_personal_clocks(uow.session, case.case_id, now)
    await _audit(
        uow,
        case,
        actor,
        CLOSED,
        now,
        category=category,
        detail=detail,
        consent=consent is not None,
    )
    await uow.publish(
        CaseOutcomeRegistered(
            municipality=case.municipality,
            occurred_at=now,
            case_id=case.case_id,
            signal_ids=tuple(uuid.UUID(s) for s in case.signal_ids),
            category=category,
            detail=detail,
            closed_at=now,
            # Help accepted: the creditor's 30-day pause, for feedback (R-FU-5, §8.8.3).
            collection_paused_until=collection_paused_until(category, now),
            # That the resident's written consent to tell the creditor was recorded; who, when
            # and how stay here (feedback may tell WIL_GEEN_HULP only with it, §6).
            creditor_consent=consent is not None,
        )
    )
    return outcome


async def register_outcome(
    uow: UnitOfWork,
    case: FollowupCase,
    *,
    category: OutcomeCategory,
    detail: OutcomeDetail | None,
    reason: str | None,
    consent: tuple[str, date, str] | None,
    actor: str,
    now: datetime,
) -> Outcome:
    """R-FU-4 as a case worker registers it: the rules check the detail against the category
    and the attempts; a deceased debtor's case needs its dossier note first (R-BRP-2)."""
    attempts = await repository.attempts(uow.session, case.case_id)
    reached = any(a.result == ContactResult.BEREIKT for a in attempts)
    checked = rules.outcome_detail(
        category, detail, reached=reached, consent=consent is not None, reason=bool(reason)
    )
    notes = await repository.notes(uow.session, case.case_id)
    if rules.needs_note_to_close([CaseFlag(f) for f in case.flags], len(notes)):
        raise rules.Refused(
            "the debtor died: record the weighing (help to the household or the heirs) in a "
            "dossier note before closing (R-BRP-2)"
        )
    return await close(
        uow,
        case,
        category=category,
        detail=checked,
        actor=actor,
        now=now,
        reason=reason,
        consent=consent,
    )


async def reopen(
    uow: UnitOfWork, case: FollowupCase, *, reason: str, actor: str, now: datetime
) -> None:
    """The resident came back (§8.8.2): the case opens again; the reopening and its reason are
    kept. The matcher lets it take signals again."""
    case.status = rules.transition(CaseStatus(case.status), rules.CaseAction.REOPEN)
    case.closed_at = case.outcome_category = case.outcome_detail = None
    await repository.close_personal_clocks(uow.session, case.case_id, None)
    await _audit(uow, case, actor, REOPENED, now, reason=reason)
    await uow.publish(
        CaseReopened(
            municipality=case.municipality,
            occurred_at=now,
            case_id=case.case_id,
            reason=reason,
            reopened_at=now,
        )
    )


@dataclass(frozen=True)
class SentMessage:
    """A message the contact plan sent: its attempt's id (Notify's `reference`), the template
    that made it and Notify's id of it."""

    attempt_id: uuid.UUID
    template: str
    notify_id: uuid.UUID


async def register_attempt(
    uow: UnitOfWork,
    case: FollowupCase,
    deadline: Deadline | None,
    *,
    kind: ContactKind,
    attempted_on: date,
    part_of_day: PartOfDay | None,
    result: ContactResult,
    automatic: bool,
    actor: str,
    now: datetime,
    today: date,
    sent: SentMessage | None = None,
) -> Attempt:
    """R-FU-2: an attempt with its kind, date, part of day and result. A person's attempt picks
    the case up (R-FU-1): FirstContactMet, once; an automatic message does not. A message the
    contact plan sent brings its attempt id (Notify's reference), template and Notify id."""
    if case.status != CaseStatus.OPEN:
        raise rules.Refused("attempts are registered on an open case; reopen it first")
    if attempted_on > today:
        raise rules.Refused("an attempt cannot be registered before it happened")
    attempt = Attempt(
        id=sent.attempt_id if sent else uuid.uuid4(),
        case_id=case.case_id,
        municipality=case.municipality,
        kind=kind,
        attempted_on=attempted_on,
        part_of_day=part_of_day,
        result=result,
        automatic=automatic,
        replied_on=None,
        registered_by=actor,
        registered_at=now,
        template=sent.template if sent else None,
        notify_id=sent.notify_id if sent else None,
    )
    repository.add(uow.session, attempt)
    await _audit(uow, case, actor, ATTEMPT, now, attempt=str(attempt.id), kind=kind)
    await uow.publish(_attempted(case, attempt, now))
    if deadline is not None and deadline.met_on is None and rules.picks_up(automatic):
        deadline.met_on = attempted_on
        await uow.publish(
            FirstContactMet(
                municipality=case.municipality,
                occurred_at=now,
                case_id=case.case_id,
                due_date=deadline.due_date,
                attempted_on=attempted_on,
                on_time=attempted_on <= deadline.due_date,
                crisis=deadline.crisis,
            )
        )
    return attempt


async def record_reply(
    uow: UnitOfWork,
    case: FollowupCase,
    attempt: Attempt,
    *,
    replied_on: date,
    actor: str,
    now: datetime,
    today: date,
) -> None:
    """A reply to a letter or card is recorded on that attempt, not as a new one (§8.5.3): the
    resident was reached."""
    if attempt.kind not in (ContactKind.BRIEF, ContactKind.KAART):
        raise rules.Refused("only a letter or card gets a reply recorded on it")
    if not attempt.attempted_on <= replied_on <= today:
        raise rules.Refused("a reply comes after its letter and not in the future")
    attempt.result, attempt.replied_on = ContactResult.BEREIKT, replied_on
    await _audit(uow, case, actor, REPLY, now, attempt=str(attempt.id))
    await uow.publish(_attempted(case, attempt, now))


def _attempted(case: FollowupCase, attempt: Attempt, now: datetime) -> ContactAttempted:
    return ContactAttempted(
        municipality=case.municipality,
        occurred_at=now,
        case_id=case.case_id,
        attempt_id=attempt.id,
        kind=ContactKind(attempt.kind),
        attempted_on=attempt.attempted_on,
        part_of_day=PartOfDay(attempt.part_of_day) if attempt.part_of_day else None,
        result=ContactResult(attempt.result),
        automatic=attempt.automatic,
    )


async def write_note(
    uow: UnitOfWork, case: FollowupCase, *, text: str, actor: str, now: datetime
) -> Note:
    """A dossier note (R-BRP-2/3, R-MAT-6); its text is personal data (R-MAT-5)."""
    note = Note(
        id=uuid.uuid4(),
        case_id=case.case_id,
        municipality=case.municipality,
        text=text,
        written_by=actor,
        written_at=now,
        case_closed_at=case.closed_at,
    )
    repository.add(uow.session, note)
    await _audit(uow, case, actor, NOTE, now, note=str(note.id))
    return note


async def set_circumstances(
    uow: UnitOfWork,
    case: FollowupCase,
    *,
    beschermingsbewind: bool,
    curatele: bool,
    actor: str,
    now: datetime,
) -> None:
    """R-MAT-6: beschermingsbewind (the offer still goes to the resident) or curatele (the
    offer goes through the curator); not both: curatele takes over the whole estate."""
    if beschermingsbewind and curatele:
        raise rules.Refused("beschermingsbewind and curatele exclude each other (BW 1:431)")
    case.beschermingsbewind, case.curatele = beschermingsbewind, curatele
    await _audit(
        uow,
        case,
        actor,
        CIRCUMSTANCES,
        now,
        beschermingsbewind=beschermingsbewind,
        curatele=curatele,
    )


async def read(uow: UnitOfWork, case: FollowupCase, *, actor: str, now: datetime) -> None:
    """Reading the case's notes is reading personal data: audit-logged (domain §10)."""
    await _audit(uow, case, actor, READ, now)
