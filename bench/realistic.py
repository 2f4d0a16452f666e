"""The realistic generator: signals for a month of a synthetic population, with their ground truth.

From the population of the BRP stand-in (`vroeg.standins.brp.synthetic`, same size, seed and
municipalities, so the stand-in serves the very persons the signals name) it makes the signals
creditors send over a measured month and the months before it, whose mix follows national
figures (Divosa Monitor Vroegsignalering 2023: about 4 signals per 1,000 inhabitants a month;
11 % of households with more than one signal in a month; 40 % of households with a signal in
the six months before). Each signal is an intake body (`POST /v1/signalen`) valid under intake's
rules, with its creditor, municipality, receipt moment and a ground-truth record (`Truth`): the
route brp-check will give it, the household, BSN, crisis, amount, PC4, age, completeness,
repeat and recidive (`ground_truth`). The share of each special route (movers, deceased,
… creditor data errors) is an assumption, in `signal_plan.INTENT_SHARES`; creditor-type shares
in `creditors.TYPE_SHARES`.

    uv run python bench/realistic.py --persons 1000000 --municipalities national \\
        --month 2026-11 --out /tmp/month
writes signals.jsonl (one delivery a line: creditor, municipality, receivedAt, body),
truth.jsonl (its ground truth, same order), creditors.json and debt-help.json (the registers
brp-check must import), and prints the measured month's mix. `generate()` gives the same in
memory; `GeneratedSignal.received()` and `.routed()` turn a signal into the `SignalReceived`
intake would publish and the `SignalRouted` brp-check would, for benchmarks that start behind
them.
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
from ground_truth import Truth, truths
from signal_plan import Plan, plan_months

from vroeg.brp_check.debt_help import DebtHelpStatus
from vroeg.shared.events import (
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
            received_at=self.received_at,
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
            bsn=truth.bsn if truth.route != Route.REVIEW else None,
            registered_municipality=truth.registered_municipality,
            destination_known=truth.registered_municipality is not None
            if truth.route == Route.RELOCATED
            else None,
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
    return Generated(
        population=population,
        signals=[
            GeneratedSignal(item.body, item.creditor, item.municipality, item.received_at, truth)
            for item, truth in truths(planned, plan, view, month)
        ],
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


def figures(signals: Iterable[GeneratedSignal]) -> dict[str, Any]:
    """The mix of a set of signals: what the tests check and the CLI prints."""
    known = [s.truth for s in signals]
    total = len(known) or 1
    households = Counter(t.household for t in known)
    first: dict[str, Truth] = {}
    for t in known:
        first.setdefault(t.household, t)
    return {
        "signals": len(known),
        "households": len(households),
        "multi_signal_households": len([n for n in households.values() if n > 1])
        / (len(households) or 1),
        "recidive_households": sum(1 for t in first.values() if t.recidive) / (len(first) or 1),
        "review": sum(1 for t in known if t.route == Route.REVIEW) / total,
        "namesakes": sum(1 for t in known if t.namesake) / total,
        "repeats": sum(1 for t in known if t.repeat) / total,
        "crisis": sum(1 for t in known if t.crisis) / total,
        "routes": dict(Counter(t.route for t in known).most_common()),
        "creditor_types": {
            k: round(v / total, 4) for k, v in Counter(t.creditor_type for t in known).most_common()
        },
        "kinds": dict(Counter(t.kind for t in known).most_common()),
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
