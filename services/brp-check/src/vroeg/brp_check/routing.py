"""Sending a signal on its route: shared by the BRP check of new signals and by review decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from vroeg.brp_check import rules
from vroeg.brp_check.brp import BrpClient, BrpPerson
from vroeg.brp_check.debt_help import DebtHelpRegister, DebtHelpStatus
from vroeg.brp_check.lookup import Found
from vroeg.shared.events import (
    Household,
    Route,
    RouteFact,
    SignalData,
    SignalReceived,
    SignalRouted,
    age_band,
)
from vroeg.shared.messaging.unit_of_work import UnitOfWork

# Where `Router.prepare` leaves a batch's debt-help standings (UnitOfWork.prepared).
_STANDINGS = "brp-check.standings"


@dataclass(frozen=True)
class Router:
    """The BRP and the debt-help administration, and how a routed signal leaves brp-check."""

    brp: BrpClient
    debt_help: DebtHelpRegister

    async def standing(
        self, uow: UnitOfWork, municipality: str, person: BrpPerson | None
    ) -> DebtHelpStatus | None:
        """The person's standing with the municipality's debt help (R-BRP-4)."""
        if person is None:
            return None
        prepared: dict[tuple[str, str], DebtHelpStatus | None] = uow.prepared.get(_STANDINGS, {})
        if (municipality, person.bsn) in prepared:
            return prepared[(municipality, person.bsn)]
        return await self.debt_help.status(uow.session, municipality, person.bsn)

    async def prepare(self, uow: UnitOfWork, events: Sequence[SignalReceived]) -> None:
        """Read the debt-help standing of every single candidate the BRP found for a batch
        (`uow.looked_up`) at once, for `standing`."""
        people = {
            (event.municipality, answer.single.bsn)
            for event in events
            if isinstance(answer := uow.looked_up.get(str(event.id)), Found) and answer.single
        }
        if people:
            known = await self.debt_help.statuses(uow.session, people)
            uow.prepared[_STANDINGS] = {person: known.get(person) for person in people}

    async def send(
        self,
        uow: UnitOfWork,
        *,
        municipality: str,
        signal: SignalData,
        decision: rules.Decision,
        address_key: str | None,
        born: date | None,
        residents: Sequence[date | None] | None = None,
        reviewed: bool,
        now: datetime,
    ) -> None:
        """Publish the signal on its route, with the household at the address (§5.5), keyed by
        household so one household's signals stay in order downstream; and its lean fact for
        the monitor (`RouteFact`: the age band from `born`, the person's birth date the BRP
        holds, else the creditor's) in the same transaction. `residents`: the birth dates of
        those living at `address_key` if already asked."""
        household = None
        if address_key:
            birth_dates = (
                residents if residents is not None else await self.brp.residents(address_key)
            )
            household = Household(
                address_key=address_key,
                size=len(birth_dates),
                minors_present=rules.count_minors(birth_dates, signal.signal_date) > 0,
            )
        await uow.publish(
            SignalRouted(
                municipality=municipality,
                occurred_at=now,
                route=decision.route,
                reasons=decision.reasons,
                signal=signal,
                household=household,
                bsn=decision.bsn,
                debt_help=decision.debt_help,
                registered_municipality=decision.registered_municipality,
                destination_known=(
                    decision.registered_municipality is not None
                    if decision.route is Route.RELOCATED
                    else None
                ),
            )
        )
        debtor_born = signal.debtor.geboortedatum if signal.debtor else None
        await uow.publish(
            RouteFact(
                municipality=municipality,
                occurred_at=now,
                signal_id=signal.signal_id,
                route=decision.route,
                reviewed=reviewed,
                debt_help=decision.debt_help,
                age_band=age_band(born or debtor_born, signal.signal_date),
                household_size=household.size if household else None,
                minors_present=household.minors_present if household else None,
                routed_at=now,
            )
        )
