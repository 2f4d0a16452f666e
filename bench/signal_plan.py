"""Which households get which signals, month by month (the realistic generator's plan).

Per month the households are drawn first: 40 % of them from the households that had a signal in
the five months before (recidive: surely within the six-month look-back), the rest from
households without a signal in the six months before. Each household has an *intent* — the
route its debtor should take — drawn by `INTENT_SHARES` (assumed shares, see below); then
1 to 4 signals (more than one for 11 % of households, `SIGNALS_PER_HOUSEHOLD`), each of another
creditor type or, for a quarter of the extra ones, a repeat of the same creditor and arrears
type; a recidive household's first signal repeats its last creditor half of the time, half of
those on the same debt (same oldest due date).

Assumed shares (not national figures, which the monitor does not publish per route): 3 %
movers written to at the address they left (relocated), 1 % deceased, 0.5 % emigrated,
0.3 % minors, 4 % known to debt help, 3 % creditor data that the BRP does not know (a typo in
the surname, a wrong birth date, the prefix written into the surname: review), 4 % without a
birth date (found by address), 1 % with a business name beside the person. Amounts, days in
arrears and installments per arrears type are chosen inside intake's R-IN-1 windows.
"""

from __future__ import annotations

import itertools
import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from brp_truth import BrpView
from creditors import Creditor, CreditorMix

from vroeg.brp_check.debt_help import DebtHelpStatus
from vroeg.brp_check.rules import age_on
from vroeg.shared.clock import add_months
from vroeg.shared.events import ArrearsType, SignalKind, VlpType
from vroeg.standins.brp.synthetic import Dwelling, Population, Resident

INTENT_SHARES = {
    "relocated": 0.03,
    "deceased": 0.01,
    "emigrated": 0.005,
    "minor": 0.003,
    "debt-help": 0.04,
    "data-error": 0.03,
    "no-birth-date": 0.04,
    "business": 0.01,
}  # the rest: an ordinary resident
RECIDIVE_SHARE = 0.40
SIGNALS_PER_HOUSEHOLD = ((1, 0.885), (2, 0.09), (3, 0.02), (4, 0.005))
MEAN_SIGNALS = sum(n * w for n, w in SIGNALS_PER_HOUSEHOLD)
SINGLE_SIGNAL_INTENTS = frozenset({"deceased", "emigrated"})
EXTRA_REPEAT_SHARE = 0.25
RECIDIVE_REPEAT_SHARE = 0.5
DEBT_HELP_SHARE = 0.02  # of households, in each municipality's register
PHONE_SHARE, EMAIL_SHARE = 0.72, 0.45

# Per arrears type: median amount (euros, log-normal spread), days in arrears (low, high).
ARREARS: dict[ArrearsType, tuple[float, float, int, int]] = {
    ArrearsType.HUUR: (1_150, 0.5, 31, 75),
    ArrearsType.DRINKWATER: (140, 0.6, 35, 120),
    ArrearsType.ZORGVERZEKERING: (420, 0.4, 31, 100),
    ArrearsType.ELEKTRICITEIT: (380, 0.6, 35, 120),
    ArrearsType.GAS: (420, 0.6, 35, 120),
    ArrearsType.WARMTE: (320, 0.5, 35, 120),
}
# Crises per arrears type: (kind, share); energy also announces end of supply.
SPECIAL_KINDS: dict[ArrearsType, tuple[tuple[SignalKind, float], ...]] = {
    ArrearsType.HUUR: ((SignalKind.UITHUISZETTING, 0.015),),
    ArrearsType.DRINKWATER: ((SignalKind.AFSLUITING, 0.02),),
    ArrearsType.ELEKTRICITEIT: ((SignalKind.AFSLUITING, 0.015), (SignalKind.EINDELEVERING, 0.10)),
    ArrearsType.GAS: ((SignalKind.AFSLUITING, 0.015), (SignalKind.EINDELEVERING, 0.10)),
    ArrearsType.WARMTE: ((SignalKind.AFSLUITING, 0.02),),
}
ATTESTED_ALL = {
    "writtenReminder": True,
    "personalContactAttempt": True,
    "debtHelpReferral": True,
    "dataSharingOffer": True,
}
# Health insurers attest what their own regulation asks (R-IN-2's default policy).
ATTESTED_HEALTH = {"writtenReminder": True, "debtHelpReferral": True}
BUSINESSES = ("Klussenbedrijf", "Kapsalon", "Schildersbedrijf", "Taxibedrijf", "Webwinkel")


@dataclass(eq=False)
class Pick:
    """A household chosen for signals: its debtor, the address creditors write to, the intent."""

    intent: str
    resident: Resident
    address: Dwelling
    signals: list[Planned] = field(default_factory=list)


@dataclass(frozen=True)
class Planned:
    """One planned signal, before its ground truth is worked out."""

    body: dict[str, Any]
    creditor: Creditor
    municipality: str
    received_at: datetime
    resident: Resident
    address: Dwelling
    data_error: str | None
    recidive_intent: bool


class Plan:
    """The population's pools of households per intent, and the debt-help registers."""

    def __init__(
        self, population: Population, rng: random.Random, mix: CreditorMix, view: BrpView
    ) -> None:
        self.rng, self.mix, self.view = rng, mix, view
        self.today = population.today
        self.references = itertools.count(1)
        self.pools: dict[str, list[tuple[Resident, Dwelling]]] = {k: [] for k in INTENT_SHARES}
        self.ordinary: list[tuple[Resident, Dwelling]] = []
        self.debt_help: dict[str, dict[str, DebtHelpStatus]] = {}
        for dwelling in population.dwellings:
            adults = [
                r
                for r in dwelling.residents
                if r.suspension is None and age_on(r.born, self.today) >= 18
            ]
            if dwelling.moved_from is not None:
                if adults:
                    self.pools["relocated"].append((adults[0], dwelling.moved_from))
                continue
            for person in dwelling.residents:
                if person.suspension == "O" and age_on(person.born, self.today) >= 18:
                    self.pools["deceased"].append((person, dwelling))
                elif person.suspension == "E":
                    self.pools["emigrated"].append((person, dwelling))
                elif person.suspension is None and 14 <= age_on(person.born, self.today) < 17:
                    self.pools["minor"].append((person, dwelling))
            if not adults:
                continue
            self.ordinary.append((adults[0], dwelling))
            if rng.random() < DEBT_HELP_SHARE:
                self._register(adults[0], dwelling)

    def _register(self, person: Resident, dwelling: Dwelling) -> None:
        """Known to debt help: mostly an active product, some a recent or an old decision."""
        roll = self.rng.random()
        decided = self.today - timedelta(days=30 + int(self.rng.random() * 120))
        status = (
            DebtHelpStatus(True, None)
            if roll < 0.7
            else DebtHelpStatus(False, decided)
            if roll < 0.9
            else DebtHelpStatus(False, self.today - timedelta(days=200 + int(roll * 300)))
        )
        self.debt_help.setdefault(dwelling.municipality.code, {})[person.bsn] = status
        self.pools["debt-help"].append((person, dwelling))

    def fresh(self, taken: set[str]) -> Pick:
        """A household without a recent signal, with an intent drawn by the shares."""
        roll, intent = self.rng.random(), "resident"
        for name, share in INTENT_SHARES.items():
            roll -= share
            if roll < 0:
                intent = name
                break
        pool = self.pools.get(intent) or self.ordinary
        if intent in ("data-error", "no-birth-date", "business"):
            pool = self.ordinary
        for attempt in range(2_000):
            if attempt == 50 and pool is not self.ordinary:  # that pool is used up: ordinary
                intent, pool = "resident", self.ordinary
            resident, address = pool[int(self.rng.random() * len(pool))]
            if address.key not in taken:
                taken.add(address.key)
                return Pick(intent, resident, address)
        raise RuntimeError("the population is too small for this many signals")

    def signals_for(self, pick: Pick, first_day: date, recidive: bool) -> list[Planned]:
        """The household's signals in the month starting on `first_day`."""
        rng = self.rng
        count = 1 if pick.intent in SINGLE_SIGNAL_INTENTS else _weighted(rng, SIGNALS_PER_HOUSEHOLD)
        made: list[Planned] = []
        previous = pick.signals[-1] if pick.signals else None
        for n in range(count):
            town = pick.address.municipality
            same: Planned | None = None
            if n == 0 and previous is not None and rng.random() < RECIDIVE_REPEAT_SHARE:
                same = previous
            elif n > 0 and rng.random() < EXTRA_REPEAT_SHARE:
                same = made[-1]
            if same is not None:
                creditor, arrears = same.creditor, ArrearsType(same.body["arrearsType"])
            else:
                used = {s.creditor.type for s in made}
                types, weights = self.mix.types_for(town)
                open_types = [(t, w) for t, w in zip(types, weights, strict=True) if t not in used]
                vlp_type = rng.choices([t for t, _ in open_types], [w for _, w in open_types])[0]
                creditor = self.mix.creditor(vlp_type, town)
                arrears = _arrears_type(rng, vlp_type)
            made.append(self._signal(pick, creditor, arrears, first_day, same, recidive))
        pick.signals.extend(made)
        return made

    def _signal(
        self,
        pick: Pick,
        creditor: Creditor,
        arrears: ArrearsType,
        first_day: date,
        same: Planned | None,
        recidive: bool,
    ) -> Planned:
        rng = self.rng
        days_in_month = (add_months(first_day, 1) - first_day).days
        while True:
            received = first_day + timedelta(days=int(rng.random() * days_in_month))
            if received.weekday() < 5 or rng.random() < 0.1:
                break
        received_at = datetime.combine(received, time(6), UTC) + timedelta(
            seconds=int(rng.random() * 14 * 3600)
        )
        signal_date = received - timedelta(days=int(rng.random() * 3))
        kind = SignalKind.VROEGSIGNAAL
        for special, share in SPECIAL_KINDS.get(arrears, ()):
            if rng.random() < share:
                kind = special
                break
        median, spread, low, high = ARREARS[arrears]
        if kind in (SignalKind.AFSLUITING, SignalKind.UITHUISZETTING):
            median, low, high = median * 2.5, 90, 300
        days = low + int(rng.random() * (high - low + 1))
        oldest = signal_date - timedelta(days=days)
        if same is not None:
            earlier = date.fromisoformat(same.body["oldestDueDate"])
            if (
                low <= (signal_date - earlier).days <= high
                or arrears is not ArrearsType.ZORGVERZEKERING
            ):
                oldest = min(earlier, signal_date - timedelta(days=low))
        amount = max(5.0, rng.lognormvariate(math.log(median), spread))
        body: dict[str, Any] = {
            "vlpReference": f"{creditor.id}-{received:%Y%m}-{next(self.references):07d}",
            "municipality": pick.address.municipality.code,
            "kind": kind.value,
            "arrearsType": arrears.value,
            "signalDate": signal_date.isoformat(),
        }
        debtor, error = self._debtor(pick, creditor)
        body["debtor"] = debtor
        if pick.intent == "business":
            body["businessName"] = f"{rng.choice(BUSINESSES)} {pick.resident.surname.name}"
        address = pick.address
        body["address"] = {
            "straat": address.street,
            "huisnummer": address.huisnummer,
            "postcode": address.postcode,
            "woonplaats": address.municipality.name,
        } | ({"huisletter": address.huisletter} if address.huisletter else {})
        if rng.random() < PHONE_SHARE:
            body["phone"] = f"06{int(rng.random() * 100_000_000):08d}"
        if rng.random() < EMAIL_SHARE:
            body["email"] = _email(pick.resident, rng)
        body["amount"] = f"{amount:.2f}"
        body["oldestDueDate"] = oldest.isoformat()
        if arrears in (ArrearsType.ELEKTRICITEIT, ArrearsType.GAS, ArrearsType.WARMTE):
            body["unpaidInstallments"] = max(2, (signal_date - oldest).days // 30)
        elif arrears is ArrearsType.HUUR:
            body["unpaidInstallments"] = max(1, (signal_date - oldest).days // 30)
        body["socialCollection"] = dict(
            ATTESTED_HEALTH if creditor.type is VlpType.ZORGVERZEKERING else ATTESTED_ALL
        )
        return Planned(
            body,
            creditor,
            address.municipality.code,
            received_at,
            pick.resident,
            address,
            error,
            recidive,
        )

    def _debtor(self, pick: Pick, creditor: Creditor) -> tuple[dict[str, Any], str | None]:
        """The debtor as the creditor knows them; for a data-error intent, data the BRP does
        not know (checked: the search must find nobody)."""
        person = pick.resident
        debtor: dict[str, Any] = {"voornamen": person.voornamen}
        if person.surname.prefix:
            debtor["voorvoegsel"] = person.surname.prefix
        debtor["geslachtsnaam"] = person.surname.name
        if pick.intent != "no-birth-date":
            debtor["geboortedatum"] = person.born.isoformat()
        if pick.intent != "data-error":
            return debtor, None
        rng = self.rng
        for _ in range(20):
            wrong = dict(debtor)
            roll = rng.random()
            if roll < 0.3 and person.surname.prefix:
                error = "prefix-in-surname"
                del wrong["voorvoegsel"]
                wrong["geslachtsnaam"] = f"{person.surname.prefix} {person.surname.name}"
            elif roll < 0.65:
                error = "surname-typo"
                name = person.surname.name
                at = 1 + int(rng.random() * max(1, len(name) - 2))
                wrong["geslachtsnaam"] = name[:at] + name[at + 1 :] if len(name) > 3 else name + "e"
            else:
                error = "birth-date"
                shift = timedelta(days=rng.choice((-365, -31, -10, -1, 1, 10, 31, 365)))
                wrong["geboortedatum"] = (person.born + shift).isoformat()
            born = wrong["geboortedatum"]
            if not self.view.candidates(
                surname=wrong["geslachtsnaam"],
                prefix=wrong.get("voorvoegsel"),
                born=date.fromisoformat(born),
                at=pick.address,
                huisletter=pick.address.huisletter,
            ):
                return wrong, error
        return debtor, None


def plan_months(plan: Plan, *, month: date, history_months: int, signals: int) -> list[Planned]:
    """Every planned signal of the measured month and the months before it: `signals` a
    month (a household's signals are not split, so up to three more)."""
    households = max(1, round(signals / MEAN_SIGNALS))
    months = [add_months(month, -k) for k in range(history_months, -1, -1)]
    picks_by_month: list[list[Pick]] = []
    planned: list[Planned] = []
    for index, first_day in enumerate(months):
        recent = {id(p): p for picks in picks_by_month[max(0, index - 5) :] for p in picks}
        taken = {p.address.key for picks in picks_by_month[max(0, index - 6) :] for p in picks}
        pool = list(recent.values())
        again = plan.rng.sample(pool, min(len(pool), round(RECIDIVE_SHARE * households)))
        picks = list(again)
        made = [s for pick in again for s in plan.signals_for(pick, first_day, recidive=True)]
        while len(made) < signals:  # fresh households until the month has its signals
            picks.append(plan.fresh(taken))
            made += plan.signals_for(picks[-1], first_day, recidive=False)
        planned += made
        picks_by_month.append(picks)
    return planned


def _arrears_type(rng: random.Random, vlp_type: VlpType) -> ArrearsType:
    if vlp_type is VlpType.ENERGIE:
        return ArrearsType.ELEKTRICITEIT if rng.random() < 0.6 else ArrearsType.GAS
    return ArrearsType(vlp_type.value)


def _weighted(rng: random.Random, table: tuple[tuple[int, float], ...]) -> int:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def _email(person: Resident, rng: random.Random) -> str:
    def plain(text: str) -> str:
        ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return "".join(c for c in ascii_.lower() if c.isalnum())

    first = plain(person.voornamen.split()[0])
    return f"{first}.{plain(person.surname.name)}{int(rng.random() * 100)}@example.nl"
