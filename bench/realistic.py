"""The realistic generator: signals for a month of a synthetic population, with their ground truth.

From the population of the BRP stand-in (`vroeg.standins.brp.synthetic`, same size, seed and
municipalities, so the stand-in serves the very persons the signals name) it makes the signals
creditors send over a measured month and the months before it, whose mix follows national
figures (Divosa Monitor Vroegsignalering 2023: about 4 signals per 1,000 inhabitants a month;
11 % of households with more than one signal in a month; 40 % of households with a signal in
the six months before). Each signal is an intake body (`POST /v1/signalen`) valid under intake's
rules, with its creditor, municipality, receipt moment and a ground-truth record (`Truth`): the
route brp-check will give it, the household, BSN, crisis, amount, PC4, age, completeness,
repeat and recidive. The share of each special route is an assumption, in `ROUTE_SHARES`.

    uv run python bench/realistic.py --persons 1000000 --municipalities national \\
        --month 2026-11 --out /tmp/month
writes signals.jsonl (one delivery a line) and truth.jsonl (the ground truth) and prints the
mix. `generate()` gives the same in memory; `GeneratedSignal.routed()` turns a signal into the
`SignalRouted` event brp-check would publish, for benchmarks that start behind brp-check.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from brp_truth import BrpView
from creditors import Creditor, CreditorMix, all_creditors
from signal_plan import Plan, Planned, plan_months

from vroeg.brp_check.debt_help import DebtHelpStatus
from vroeg.brp_check.rules import add_months, age_on
from vroeg.shared.events import (
    CRISIS_KINDS,
    Address,
    ArrearsType,
    Household,
    Person,
    Route,
    SignalData,
    SignalKind,
    SignalReceived,
    SignalRouted,
)
from vroeg.standins.brp.synthetic import Population, build_population

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


@dataclass(frozen=True)
class GeneratedSignal:
    """One delivery: the body, who sends it where and when, and its ground truth."""

    body: dict[str, Any]
    creditor: Creditor
    municipality: str
    received_at: datetime
    truth: Truth

    def signal_data(self, signal_id: UUID | None = None) -> SignalData:
        """The signal as intake passes it on (`SignalReceived.signal`)."""
        body = self.body
        return SignalData(
            signal_id=signal_id or uuid4(),
            vlp_id=self.creditor.id,
            vlp_type=self.creditor.type,
            vlp_reference=body["vlpReference"],
            kind=SignalKind(body["kind"]),
            arrears_type=ArrearsType(body["arrearsType"]),
            signal_date=date.fromisoformat(body["signalDate"]),
            debtor=Person.model_validate(body["debtor"]) if "debtor" in body else None,
            business_name=body.get("businessName"),
            address=Address.model_validate(body["address"]),
            phone=body.get("phone"),
            email=body.get("email"),
            amount=Decimal(body["amount"]),
            oldest_due_date=date.fromisoformat(body["oldestDueDate"]),
            unpaid_installments=body.get("unpaidInstallments"),
        )

    def received(self, signal_id: UUID | None = None) -> SignalReceived:
        """The `SignalReceived` intake publishes for it."""
        return SignalReceived(
            municipality=self.municipality,
            occurred_at=self.received_at,
            signal=self.signal_data(signal_id),
        )

    def routed(self, signal_id: UUID | None = None) -> SignalRouted:
        """The `SignalRouted` brp-check publishes for it, on its ground-truth route."""
        truth = self.truth
        return SignalRouted(
            municipality=self.municipality,
            occurred_at=self.received_at,
            route=Route(truth.route),
            reasons=tuple(truth.reasons),
            signal=self.signal_data(signal_id),
            household=Household(
                address_key=truth.address_key,
                size=truth.household_size,
                minors_present=truth.minors > 0,
            )
            if truth.address_key and truth.route != Route.REVIEW
            else None,
            registered_municipality=truth.registered_municipality,
        )


@dataclass(frozen=True)
class Generated:
    """A generated period: every signal in receipt order, the creditors, and per municipality
    the debt-help register brp-check must hold (`PUT /v1/schuldhulp/{gemeente}/registraties`)."""

    population: Population
    signals: list[GeneratedSignal]
    creditors: list[Creditor]
    debt_help: dict[str, list[dict[str, Any]]]
    month: date

    @property
    def measured(self) -> list[GeneratedSignal]:
        """The signals of the measured month."""
        return [s for s in self.signals if s.truth.measured]


def generate(
    population: Population,
    *,
    month: date,
    signals: int | None = None,
    per_thousand: float = 4.0,
    history_months: int = 6,
    seed: int = 1,
) -> Generated:
    """Signals for `month` (its first day) and `history_months` before it: `signals` in the
    measured month (default `per_thousand` per 1,000 persons), as many in each month before."""
    rng = random.Random(f"signals-{seed}")
    count = signals if signals is not None else math.ceil(population.persons * per_thousand / 1000)
    view = BrpView(population)
    plan = Plan(population, rng, CreditorMix(rng), view)
    planned = plan_months(plan, month=month, history_months=history_months, signals=count)
    made = _with_truth(planned, plan, view, month)
    return Generated(
        population=population,
        signals=made,
        creditors=all_creditors(population.municipalities),
        debt_help={
            code: [_registration(bsn, status) for bsn, status in sorted(register.items())]
            for code, register in plan.debt_help.items()
        },
        month=month,
    )


def _registration(bsn: str, status: DebtHelpStatus) -> dict[str, Any]:
    """One record of a debt-help import (`DebtHelpRecord`)."""
    record: dict[str, Any] = {"bsn": bsn, "activeProduct": status.active_product}
    if status.final_decision_on:
        record["finalDecisionOn"] = status.final_decision_on.isoformat()
    return record


def _with_truth(
    planned: Sequence[Planned], plan: Plan, view: BrpView, month: date
) -> list[GeneratedSignal]:
    made: list[GeneratedSignal] = []
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
            GeneratedSignal(
                body=body,
                creditor=item.creditor,
                municipality=item.municipality,
                received_at=item.received_at,
                truth=Truth(
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
    per_month = Counter((s.truth.household, s.truth.month) for s in made)
    return [
        GeneratedSignal(
            s.body,
            s.creditor,
            s.municipality,
            s.received_at,
            _replace(s.truth, signals_in_month=per_month[(s.truth.household, s.truth.month)]),
        )
        for s in made
    ]


def _replace(truth: Truth, **changes: Any) -> Truth:
    return Truth(**(asdict(truth) | changes))


def _address_key(address: dict[str, Any]) -> str:
    """R-MAT-1's fallback key: normalised postcode, number, letter, addition."""
    return "|".join(
        str(address.get(k) or "").upper().replace(" ", "")
        for k in ("postcode", "huisnummer", "huisletter", "toevoeging")
    )


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def figures(signals: Iterable[GeneratedSignal]) -> dict[str, Any]:
    """The mix of a set of signals: what the tests check and the CLI prints."""
    truths = [s.truth for s in signals]
    total = len(truths) or 1
    households = Counter(t.household for t in truths)
    first: dict[str, Truth] = {}
    for t in truths:
        first.setdefault(t.household, t)
    return {
        "signals": len(truths),
        "households": len(households),
        "multi_signal_households": len([n for n in households.values() if n > 1])
        / (len(households) or 1),
        "recidive_households": sum(1 for t in first.values() if t.recidive) / (len(first) or 1),
        "review": sum(1 for t in truths if t.route == Route.REVIEW) / total,
        "namesakes": sum(1 for t in truths if t.namesake) / total,
        "repeats": sum(1 for t in truths if t.repeat) / total,
        "crisis": sum(1 for t in truths if t.crisis) / total,
        "routes": dict(Counter(t.route for t in truths).most_common()),
        "creditor_types": {
            k: round(v / total, 4)
            for k, v in Counter(t.creditor_type for t in truths).most_common()
        },
        "kinds": dict(Counter(t.kind for t in truths).most_common()),
    }


def write(generated: Generated, out: Path) -> None:
    """signals.jsonl (creditor, municipality, receipt moment, body), truth.jsonl, creditors.json
    and debt-help.json in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "signals.jsonl").open("w") as signals, (out / "truth.jsonl").open("w") as truths:
        for s in generated.signals:
            line = {
                "creditor": asdict(s.creditor),
                "municipality": s.municipality,
                "receivedAt": s.received_at.isoformat(),
                "body": s.body,
            }
            signals.write(json.dumps(line, ensure_ascii=False) + "\n")
            truths.write(json.dumps(asdict(s.truth), ensure_ascii=False) + "\n")
    (out / "creditors.json").write_text(
        json.dumps([asdict(c) for c in generated.creditors], ensure_ascii=False, indent=1)
    )
    (out / "debt-help.json").write_text(json.dumps(generated.debt_help, indent=1))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=100_000, help="population size")
    parser.add_argument(
        "--municipalities", default="0518", help="'national', or CBS codes: 0363:900000,0599"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--month", default=None, help="YYYY-MM (default: last month)")
    parser.add_argument("--signals", type=int, default=None, help="in the measured month")
    parser.add_argument("--history-months", type=int, default=6)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON lines here")
    args = parser.parse_args(argv)
    today = datetime.now(UTC).date()
    month = (
        date.fromisoformat(f"{args.month}-01")
        if args.month
        else (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    )
    started = time.monotonic()
    population = build_population(args.persons, seed=args.seed, municipalities=args.municipalities)
    built = time.monotonic()
    generated = generate(
        population,
        month=month,
        signals=args.signals,
        history_months=args.history_months,
        seed=args.seed,
    )
    done = time.monotonic()
    print(
        f"population of {population.persons:,} persons in {built - started:.1f} s; "
        f"{len(generated.signals):,} signals in {done - built:.1f} s",
        file=sys.stderr,
    )
    print(json.dumps(figures(generated.measured), indent=1))
    if args.out:
        write(generated, args.out)


if __name__ == "__main__":
    main()
