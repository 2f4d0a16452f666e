"""What the BRP stand-in will answer about a signal's debtor, worked out from the population
itself, and the route brp-check's rules give that answer: the ground truth of a generated
signal's route, namesakes included.

It searches as brp-check does (`vroeg.brp_check.brp.BrpClient.find`): by surname and birth date
(the prefix filtering when the signal has one), or without a birth date by postcode, house
number, house letter and surname; the deceased included. The route is then decided by
brp-check's own pure rules (`decide_route`), so truth and service share one definition.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from vroeg.brp_check.brp import BrpPerson
from vroeg.brp_check.debt_help import DebtHelpStatus
from vroeg.brp_check.rules import Decision, count_minors, decide_route
from vroeg.standins.brp.synthetic import Dwelling, Population, Resident


@dataclass(frozen=True, slots=True)
class Household:
    """The residents the BRP shows at a person's registered address on a day."""

    address_key: str | None
    size: int
    minors: int


class BrpView:
    """Counts of persons per search key, and each person's registration."""

    def __init__(self, population: Population) -> None:
        self._names: dict[str, int] = {}
        self._by_name_birth: Counter[tuple[int, int]] = Counter()
        self._by_name_prefix_birth: Counter[tuple[int, str, int]] = Counter()
        self.home: dict[str, Dwelling] = {}
        for dwelling in population.dwellings:
            for person in dwelling.residents:
                name = self._name_id(person.surname.name)
                born = person.born.toordinal()
                self._by_name_birth[(name, born)] += 1
                self._by_name_prefix_birth[(name, person.surname.prefix.lower(), born)] += 1
                self.home[person.bsn] = dwelling

    def _name_id(self, name: str) -> int:
        return self._names.setdefault(name.lower(), len(self._names))

    def candidates(
        self,
        *,
        surname: str,
        prefix: str | None,
        born: date | None,
        at: Dwelling,
        huisletter: str | None,
    ) -> int:
        """How many persons brp-check's search finds for a signal's debtor data."""
        if born is not None:
            name = self._names.get(surname.lower())
            if name is None:
                return 0
            if prefix:
                return self._by_name_prefix_birth[(name, prefix.lower(), born.toordinal())]
            return self._by_name_birth[(name, born.toordinal())]
        if huisletter != at.huisletter:
            return 0
        return sum(
            1
            for p in at.residents
            if p.suspension != "E" and p.surname.name.lower() == surname.lower()
        )

    def person(self, resident: Resident) -> BrpPerson:
        """The resident's record as routing reads it."""
        dwelling = self.home[resident.bsn]
        emigrated = resident.suspension == "E"
        return BrpPerson(
            bsn=resident.bsn,
            birth_date=resident.born,
            suspension_reason=resident.suspension,
            municipality=None if emigrated else dwelling.municipality.code,
            address_key=None if emigrated else dwelling.key,
        )

    def household(self, resident: Resident, on: date) -> Household:
        """The living residents at the person's registered address, minors on a day."""
        if resident.suspension == "E":
            return Household(None, 0, 0)
        dwelling = self.home[resident.bsn]
        living = [p.born for p in dwelling.residents if p.suspension is None]
        return Household(dwelling.key, len(living), count_minors(living, on))

    def route(
        self,
        resident: Resident,
        *,
        found: int,
        municipality: str,
        signal_date: date,
        debt_help: DebtHelpStatus | None,
    ) -> Decision:
        """brp-check's decision when the search found `found` persons, the resident among
        them when it found one."""
        return decide_route(
            [self.person(resident)] * found,
            municipality=municipality,
            signal_date=signal_date,
            debt_help=debt_help if found == 1 else None,
        )
