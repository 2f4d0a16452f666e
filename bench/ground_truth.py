"""The ground truth of generated signals: what is known of each before the platform sees it.

The route is what the BRP stand-in holding the same population will answer and brp-check's
rules make of it (`brp_truth`); the household, its size and minors are the BRP's; repeats and
recidive are worked out from the generated history itself, with R-IN-5's and R-MAT-3's look-backs
(the same creditor and arrears type within 6 months; a signal of the household in the 6, or 2,
months before its first signal of the month).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from brp_truth import BrpView
from signal_plan import Plan, Planned

from vroeg.brp_check.rules import age_on
from vroeg.shared.clock import add_months
from vroeg.shared.events import CRISIS_KINDS, Route, SignalKind

AGE_BANDS = ((18, "<18"), (27, "18-26"), (45, "27-44"), (67, "45-66"), (999, "67+"))


@dataclass(frozen=True)
class Truth:
    """What is known about a generated signal beforehand: the answers reporting must find."""

    reference: str
    creditor_id: str
    creditor_type: str
    municipality: str
    month: str  # YYYY-MM of receipt
    measured: bool  # in the measured month (else history)
    received_on: str
    kind: str
    arrears_type: str
    crisis: bool
    amount: str
    oldest_due_date: str
    route: str  # what brp-check decides
    route_after_review: str | None  # the intended person's route, for a signal in review
    reasons: list[str]
    bsn: str  # the person the signal is about
    address_key: str | None  # the BRP's adresseerbaarObjectIdentificatie of that person
    household: str  # the household key (address key, else normalised address)
    household_size: int
    minors: int
    registered_municipality: str | None
    pc4: str  # of the address the creditor wrote to
    age: int
    age_band: str
    phone: bool
    email: bool
    business: bool  # a business name beside the person (ONDERNEMER)
    namesake: bool  # several persons share the debtor's name and birth date
    data_error: str | None  # how the creditor's data differs from the BRP, if it does
    repeat: bool  # same creditor + arrears type for this household within 6 months before
    repeat_of: str | None
    same_debt: bool  # …and the same oldest due date
    recidive: bool  # the household had a signal in the 6 months before its first this month
    consecutive: bool  # …within 2 months
    recidive_intent: bool
    signals_in_month: int  # of this household in this month


def truths(
    planned: Sequence[Planned], plan: Plan, view: BrpView, month: date
) -> list[tuple[Planned, Truth]]:
    """Each planned signal, in receipt order, with its ground truth; `month` is the measured
    month's first day."""
    made: list[tuple[Planned, Truth]] = []
    seen: dict[str, list[Planned]] = {}  # by household, in receipt order
    for item in sorted(planned, key=lambda p: (p.received_at, p.body["vlpReference"])):
        body, resident = item.body, item.resident
        debtor = body.get("debtor", {})
        signal_date = date.fromisoformat(body["signalDate"])
        found = view.candidates(
            surname=debtor["geslachtsnaam"],
            prefix=debtor.get("voorvoegsel"),
            born=date.fromisoformat(debtor["geboortedatum"]) if "geboortedatum" in debtor else None,
            at=item.address,
            huisletter=body["address"].get("huisletter"),
        )
        status = plan.debt_help.get(item.municipality, {}).get(resident.bsn)
        decision = view.route(
            resident,
            found=found,
            municipality=item.municipality,
            signal_date=signal_date,
            debt_help=status,
        )
        intended = view.route(
            resident,
            found=1,
            municipality=item.municipality,
            signal_date=signal_date,
            debt_help=status,
        )
        home = view.household(resident, signal_date)
        household = home.address_key or _address_key(body["address"])
        earlier = seen.setdefault(household, [])
        first_this_month = next(
            (p for p in earlier if _month(p.received_at) == _month(item.received_at)), item
        )
        opened = first_this_month.received_at.date()
        before = [p for p in earlier if p.received_at.date() < opened]
        recent = [p for p in before if p.received_at.date() >= add_months(opened, -6)]
        repeat = next(
            (
                p
                for p in reversed(earlier)
                if p.creditor.id == item.creditor.id
                and p.body["arrearsType"] == body["arrearsType"]
                and p.received_at.date() >= add_months(item.received_at.date(), -6)
            ),
            None,
        )
        earlier.append(item)
        age = age_on(resident.born, signal_date)
        made.append(
            (
                item,
                Truth(
                    reference=body["vlpReference"],
                    creditor_id=item.creditor.id,
                    creditor_type=item.creditor.type.value,
                    municipality=item.municipality,
                    month=_month(item.received_at),
                    measured=item.received_at.date() >= month,
                    received_on=item.received_at.date().isoformat(),
                    kind=body["kind"],
                    arrears_type=body["arrearsType"],
                    crisis=SignalKind(body["kind"]) in CRISIS_KINDS,
                    amount=body["amount"],
                    oldest_due_date=body["oldestDueDate"],
                    route=decision.route.value,
                    route_after_review=intended.route.value
                    if decision.route is Route.REVIEW
                    else None,
                    reasons=list(decision.reasons),
                    bsn=resident.bsn,
                    address_key=home.address_key,
                    household=household,
                    household_size=home.size,
                    minors=home.minors,
                    registered_municipality=decision.registered_municipality
                    or intended.registered_municipality,
                    pc4=body["address"]["postcode"][:4],
                    age=age,
                    age_band=next(band for limit, band in AGE_BANDS if age < limit),
                    phone="phone" in body,
                    email="email" in body,
                    business="businessName" in body,
                    namesake=found > 1,
                    data_error=item.data_error,
                    repeat=repeat is not None,
                    repeat_of=repeat.body["vlpReference"] if repeat else None,
                    same_debt=repeat is not None
                    and repeat.body["oldestDueDate"] == body["oldestDueDate"],
                    recidive=bool(recent),
                    consecutive=any(p.received_at.date() >= add_months(opened, -2) for p in recent),
                    recidive_intent=item.recidive_intent,
                    signals_in_month=0,  # counted below
                ),
            )
        )
    per_month = Counter((t.household, t.month) for _, t in made)
    return [
        (item, replace(t, signals_in_month=per_month[(t.household, t.month)])) for item, t in made
    ]


def _address_key(address: dict[str, Any]) -> str:
    """R-MAT-1's fallback key: normalised postcode, number, letter, addition."""
    return "|".join(
        str(address.get(k) or "").upper().replace(" ", "")
        for k in ("postcode", "huisnummer", "huisletter", "toevoeging")
    )


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


# The routes on which the matcher makes cases (domain §6).
CASE_ROUTES = frozenset({Route.RESIDENT.value, Route.DECEASED.value, Route.MINOR.value})


@dataclass(frozen=True)
class CaseTruth:
    """A case the matcher must make of a month's signals: one household's signals on a case
    route, in receipt order, until it closes by itself (R-BRP-2: a deceased debtor with nobody
    else registered at the address); the household's next signal opens another."""

    municipality: str
    household: str
    signals: tuple[Truth, ...]

    @property
    def crisis(self) -> bool:
        return any(t.crisis for t in self.signals)

    @property
    def debt_amount(self) -> Decimal:
        """Per creditor and arrears type the latest signal's amount, added up."""
        latest = {(t.creditor_id, t.arrears_type): Decimal(t.amount) for t in self.signals}
        return sum(latest.values(), Decimal(0))

    @property
    def pc4(self) -> str:
        """The first signal's postcode area."""
        return self.signals[0].pc4

    @property
    def household_size(self) -> int | None:
        """As the BRP showed it at the latest signal with a BRP address (none: unknown)."""
        known = [t for t in self.signals if t.address_key is not None]
        return known[-1].household_size if known else None

    @property
    def minors(self) -> bool | None:
        known = [t for t in self.signals if t.address_key is not None]
        return known[-1].minors > 0 if known else None

    @property
    def closed_by_itself(self) -> bool:
        """R-BRP-2: followup closes it with the result OVERLEDEN (no category)."""
        return any(t.route == Route.DECEASED.value for t in self.signals) and (
            self.household_size == 0
        )


def case_truths(signals: Sequence[Truth]) -> list[CaseTruth]:
    """The cases of one month's signals (in receipt order): one per municipality and household
    of the signals routed to the matcher."""
    done: list[CaseTruth] = []
    open_cases: dict[tuple[str, str], CaseTruth] = {}
    for t in signals:
        if t.route not in CASE_ROUTES:
            continue
        key = (t.municipality, t.household)
        before = open_cases.get(key)
        case = CaseTruth(t.municipality, t.household, (*before.signals, t) if before else (t,))
        if case.closed_by_itself:
            done.append(case)
            open_cases.pop(key, None)
        else:
            open_cases[key] = case
    return done + list(open_cases.values())
