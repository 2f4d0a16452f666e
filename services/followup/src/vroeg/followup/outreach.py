"""The contact plan's automatic steps go out (R-FU-3): a periodic job, run by one replica at a
time, sends each due `BRIEF`, `SMS_WHATSAPP` and `EMAIL` step of each open case through Notify
and registers it as an automatic attempt (result `NIET_BEREIKT` until a reply is recorded; it
picks no crisis up, R-FU-1), the letter's template version on it.

Exactly once, across crashes: a step is first *claimed* in a transaction of its own, which
fixes its attempt's id; that id is the message's Notify `reference`. Then Notify is asked, and
the step is marked sent in the transaction that registers its attempt. A claim found unsent on
a later pass (the process died in between, or Notify was down) is first looked up by its
reference: a message Notify has is registered, not sent again. A Notify that is down stops the
pass; the step waits and goes out when Notify is back. A message Notify refuses, or a letter
that cannot be made, is marked refused and left to a person.

A municipality's automatic steps go out once it saved its own plan: the messages need its
name, phone number and return address (the national default names no sender).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from vroeg.followup import contact_plan, letters, repository, rules, work
from vroeg.followup.contact_plan import CaseFacts, Criteria, Step
from vroeg.followup.models import CaseContacts, ContactPlanVersion, FollowupCase, PlanSend
from vroeg.followup.notify import Notify, NotifyRefused, NotifySettings
from vroeg.followup.schemas import SenderIn, StepIn
from vroeg.followup.settings import Settings
from vroeg.shared.events import CaseFlag, CaseStatus, ContactKind, ContactResult, PartOfDay
from vroeg.shared.messaging.consumer import DependencyUnavailable
from vroeg.shared.messaging.unit_of_work import Database
from vroeg.shared.service import Resources
from vroeg.shared.supervision import PeriodicJob

log = logging.getLogger(__name__)
SYSTEM = "vroeg-contactplan"  # who registers the plan's attempts


def step_of(step: StepIn) -> Step:
    c = step.criteria
    return Step(
        step.kind,
        step.delay_working_days,
        Criteria(c.phone_known, c.email_known, c.amount_over, c.crisis, c.minors),
    )


def steps_of(saved: ContactPlanVersion | None) -> tuple[Step, ...]:
    """A saved plan's steps; the national default without one."""
    if saved is None:
        return contact_plan.DEFAULT_STEPS
    return tuple(step_of(StepIn.model_validate(s)) for s in saved.steps)


def facts_of(case: FollowupCase, contacts: CaseContacts | None, zone: ZoneInfo) -> CaseFacts:
    """What the plan's criteria read of a case."""
    return CaseFacts(
        opened_on=case.opened_at.astimezone(zone).date(),
        crisis=case.crisis,
        minors=bool(case.minors_present),
        flags=frozenset(CaseFlag(f) for f in case.flags),
        total_amount=case.total_amount,
        phone_known=bool(contacts and contacts.phone),
        email_known=bool(contacts and contacts.email),
        address_known=bool(contacts and contacts.name and contacts.address),
    )


def part_of_day(moment: datetime, zone: ZoneInfo) -> PartOfDay:
    hour = moment.astimezone(zone).hour
    return PartOfDay.OCHTEND if hour < 12 else PartOfDay.MIDDAG if hour < 18 else PartOfDay.AVOND


class Outreach:
    """Sends the due automatic steps of every open case of the municipalities with a plan."""

    def __init__(self, database: Database, settings: Settings, notify: NotifySettings) -> None:
        self._database, self._settings = database, settings
        self._notify, self._notify_settings = Notify(notify), notify
        self._zone = ZoneInfo(settings.timezone)

    async def run(self) -> int:
        """One pass; the number of messages sent (or found sent) and registered."""
        async with self._database.sessionmaker() as session:
            plans = {
                m: p for m, p in (await repository.plans_in_force(session)).items() if p.sender
            }
        done, after = 0, None
        try:
            while plans:
                async with self._database.sessionmaker() as session:
                    rows = await repository.plan_candidates(session, sorted(plans), after)
                for case, contacts, sends in rows:
                    plan = plans[case.municipality]
                    planned = contact_plan.plan(
                        steps_of(plan),
                        facts_of(case, contacts, self._zone),
                        self._settings.decreed_days_off,
                    )
                    for step in contact_plan.due_automatic(planned, self._settings.clock.today()):
                        send = sends.get(step.key)
                        if send is None or (send.sent_at is None and send.refused is None):
                            done += await self._send(case.case_id, step, plan)
                if len(rows) < repository.PLAN_CHUNK:
                    break
                after = rows[-1][0].case_id
        except DependencyUnavailable as exc:
            # The step stays claimed and is looked up by its reference on the next pass.
            log.warning("contact plan waits for Notify: %s", exc)
        if done:
            log.info("contact plan messages sent", extra={"sent": done})
        return done

    async def _send(self, case_id: uuid.UUID, step: Step, plan: ContactPlanVersion) -> int:
        clock = self._settings.clock
        async with self._database.unit_of_work() as uow:
            case = await repository.get_case(uow.session, case_id, for_update=True)
            claim = await repository.get_send(uow.session, case_id, step.key)
            contacts = await repository.get_contacts(uow.session, case_id)
            if case is None or case.status != CaseStatus.OPEN or contacts is None:
                return 0
            if claim is not None and (claim.sent_at is not None or claim.refused is not None):
                return 0
            resumed = claim is not None
            if claim is None:
                claim = PlanSend(
                    case_id=case_id,
                    step=step.key,
                    municipality=case.municipality,
                    attempt_id=uuid.uuid4(),
                    claimed_at=clock.now(),
                    sent_at=None,
                    refused=None,
                )
                repository.add(uow.session, claim)
            attempt_id = claim.attempt_id
        reference = str(attempt_id)
        template = self._template(step.kind)
        notify_id = await self._notify.notification_with_reference(reference) if resumed else None
        try:
            if notify_id is None:
                notify_id = await self._message(step.kind, contacts, plan, reference)
        except (NotifyRefused, ValueError) as exc:
            # Notify's error names or the letter's refusal: never the data sent.
            await self._refuse(case_id, step, str(exc))
            return 0
        async with self._database.unit_of_work() as uow:
            case = await repository.get_case(uow.session, case_id, for_update=True)
            claim = await repository.get_send(uow.session, case_id, step.key)
            if case is None or claim is None or claim.sent_at is not None:
                return 0
            claim.sent_at = now = clock.now()
            deadline = await repository.get_deadline(uow.session, case_id, for_update=True)
            try:
                await work.register_attempt(
                    uow,
                    case,
                    deadline,
                    kind=step.kind,
                    attempted_on=clock.today(),
                    part_of_day=part_of_day(now, self._zone),
                    result=ContactResult.NIET_BEREIKT,
                    automatic=True,
                    actor=SYSTEM,
                    now=now,
                    today=clock.today(),
                    sent=work.SentMessage(attempt_id, template, notify_id),
                )
            except rules.Refused:
                # The case closed while the message went out: nothing to register it on.
                claim.refused = "the case closed before its attempt was registered"
        return 1

    def _template(self, kind: ContactKind) -> str:
        if kind == ContactKind.BRIEF:
            return letters.CURRENT_TEMPLATE
        if kind == ContactKind.SMS_WHATSAPP:
            return f"notify:{self._notify_settings.sms_template_id}"
        return f"notify:{self._notify_settings.email_template_id}"

    async def _message(
        self, kind: ContactKind, contacts: CaseContacts, plan: ContactPlanVersion, reference: str
    ) -> uuid.UUID:
        sender = SenderIn.model_validate(plan.sender)
        name = contacts.name or ""
        personalisation = {
            "naam": name,
            "gemeente": sender.name,
            "telefoon": sender.phone,
            "email": sender.email,
            "website": sender.website,
        }
        if kind == ContactKind.SMS_WHATSAPP and contacts.phone:
            return await self._notify.send_sms(contacts.phone, personalisation, reference=reference)
        if kind == ContactKind.EMAIL and contacts.email:
            return await self._notify.send_email(
                contacts.email, personalisation, reference=reference
            )
        letter = letters.render_letter(
            letters.Recipient(name, (contacts.address or "").splitlines()),
            letters.Municipality(
                name=sender.name,
                phone=sender.phone,
                email=sender.email,
                website=sender.website,
                reachable=sender.reachable,
                return_address=sender.return_address,
            ),
            on=self._settings.clock.today(),
            reference=reference,
        )
        return await self._notify.send_letter_pdf(letter.pdf, reference=reference)

    async def _refuse(self, case_id: uuid.UUID, step: Step, why: str) -> None:
        log.warning("contact plan step refused", extra={"step": step.key, "why": why})
        async with self._database.unit_of_work() as uow:
            claim = await repository.get_send(uow.session, case_id, step.key)
            if claim is not None and claim.sent_at is None:
                claim.refused = why[:200]


def jobs(resources: Resources, settings: Settings) -> Sequence[PeriodicJob]:
    """The contact plan's job, every `VROEG_CONTACT_PLAN_INTERVAL_S`; Notify's settings are
    read (and refused in production while they name the stand-in) at start."""
    notify = NotifySettings()

    async def run(database: Database) -> int:
        return await Outreach(database, settings, notify).run()

    return [PeriodicJob("contact-plan", settings.contact_plan_interval_s, run)]
