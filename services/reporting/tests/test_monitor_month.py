"""A generated month through the real services: every indicator equals the ground truth.

The realistic generator (bench/realistic.py) makes a month of signals for two municipalities
with their ground truth; creditors deliver them to intake, brp-check routes them against the
BRP stand-in holding the same population, reviewers decide the review queue, the matcher makes
cases, case workers register attempts and outcomes in followup, and reporting computes the
indicators from lean facts. The test knows every answer beforehand: the ground truth of the
signals and cases, and what it had the reviewers and case workers do.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from ground_truth import AGE_BANDS, CaseTruth, Truth, case_truths
from realistic import Generated, GeneratedSignal, generate

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.kafka import read_topic
from tests.support.monitor import Figures, get_figures, rebuild, this_month
from vroeg.deploy.processes import Platform
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY, register_creditor
from vroeg.shared.clock import add_months, dutch_date
from vroeg.shared.events import now_utc
from vroeg.shared.topics import TOPICS, consumed_by
from vroeg.standins.brp.synthetic import build_population

pytestmark = pytest.mark.infra

TOWNS = ("0363", "0518")
PERSONS, SIGNALS, SEED = 40_000, 160, 12
REFUSED_EVERY = 23  # every 23rd windowed signal is sent with too short arrears (R-IN-1)
LEFT_IN_REVIEW = 1  # of each municipality's review queue, the rest decided `legal-person`
KINDS = ("TELEFOON", "BRIEF", "HUISBEZOEK", "SMS_WHATSAPP")
OUTCOMES = (
    ("WIL_HULP", "VERWIJZING_FINANCIEEL"),
    ("WIL_HULP", "VERWIJZING_NIET_FINANCIEEL"),
    ("WIL_GEEN_HULP", "ZELF_GEREGELD"),
    ("WIL_HULP", "QUICK_FIX"),
)
USERS = [
    ("analyst-regio", ["analyst"], list(TOWNS)),
    ("analyst-0363", ["analyst"], ["0363"]),
    ("werker-regio", ["vroegsignaleerder"], list(TOWNS)),
    ("reviewer-regio", ["reviewer"], list(TOWNS)),
]


@dataclass
class Answers:
    """What the test knows of the month: each signal's ground truth as delivered, and what it
    had reviewers and case workers do."""

    delivered: list[Truth] = field(default_factory=list)
    refused: list[Truth] = field(default_factory=list)
    final_route: dict[str, str] = field(default_factory=dict)  # reference → route
    bodies: list[dict[str, Any]] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)  # signal id → reference
    left_in_review: int = 0
    # case id → municipality, its attempts (kind, reached), its outcome (category, detail)
    attempts: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    outcomes: dict[str, tuple[str, str]] = field(default_factory=dict)
    case_town: dict[str, str] = field(default_factory=dict)
    # municipality → the creditors with an agreement in force at the month's end
    in_force: dict[str, set[str]] = field(default_factory=dict)


def _month() -> date:
    """Last month: every signal date lies before today, as intake requires."""
    return add_months(dutch_date(now_utc()).replace(day=1), -1)


@pytest.fixture(scope="module")
def generated() -> Generated:
    population = build_population(PERSONS, seed=SEED, municipalities=",".join(TOWNS))
    return generate(population, month=_month(), signals=SIGNALS, history_months=0, seed=SEED)


def _platform(make_platform: PlatformFactory, tmp_path: Path, generated: Generated) -> Platform:
    users = [
        {"username": u, "password": u, "name": u, "roles": r, "gemeenten": g} for u, r, g in USERS
    ]
    (tmp_path / "users.json").write_text(json.dumps(users))
    platform = make_platform({"VROEG_MUNICIPALITIES": ",".join(TOWNS)})
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(tmp_path / "users.json")
    platform["brp-standin"].env |= {
        "VROEG_BRP_SYNTHETIC": str(PERSONS),
        "VROEG_BRP_SYNTHETIC_SEED": str(SEED),
        "VROEG_BRP_SYNTHETIC_MUNICIPALITIES": ",".join(TOWNS),
    }
    platform["brp-check"].env["VROEG_DEBT_HELP_IMPORT_KEYS"] = json.dumps(
        {c: hashlib.sha256(f"key-{c}".encode()).hexdigest() for c in generated.debt_help}
    )
    platform.start(
        [
            "brp-standin",
            "idp-standin",
            "notify-standin",
            "intake",
            "brp-check",
            "matcher",
            "followup",
            "reporting",
        ]
    )
    return platform


def _refused(index: int, s: GeneratedSignal) -> bool:
    return s.body["kind"] in ("VROEGSIGNAAL", "EINDELEVERING") and index % REFUSED_EVERY == 0


async def _deliver(platform: Platform, generated: Generated, answers: Answers) -> None:
    """Debt-help registers, creditors, then each signal in receipt order (a few refused, and
    a CAK registration per municipality, which must never count)."""
    async with httpx.AsyncClient(base_url=platform["brp-check"].url) as http:
        for code, records in generated.debt_help.items():
            response = await http.put(
                f"/v1/schuldhulp/{code}/registraties",
                json={"registraties": records},
                headers={"X-Api-Key": f"key-{code}"},
            )
            response.raise_for_status()
    async with httpx.AsyncClient(base_url=platform["intake"].url, timeout=30) as http:
        keys = {
            c.id: await register_creditor(http, c.id, c.type.value, municipalities=TOWNS)
            for c in generated.creditors
        }
        await _agreements_without_signals(http, answers)
        answers.in_force = {
            town: {c.id for c in generated.creditors} | answers.in_force.get(town, set())
            for town in TOWNS
        }
        for index, s in enumerate(generated.measured):
            body = dict(s.body)
            if _refused(index, s):
                body["oldestDueDate"] = body["signalDate"]  # 0 days in arrears: TERMIJN
            posted = await http.post(
                "/v1/signalen", json=body, headers={"X-Api-Key": keys[s.creditor.id]}
            )
            assert posted.status_code == 201, posted.text
            answers.references[posted.json()["id"]] = body["vlpReference"]
            answers.bodies.append(body)
            (answers.refused if _refused(index, s) else answers.delivered).append(s.truth)
        for town in TOWNS:
            s = generated.measured[0]
            cak = {**s.body, "kind": "CAK_WANBETALER", "municipality": town}
            cak["vlpReference"] = f"cak-{town}"
            posted = await http.post(
                "/v1/signalen", json=cak, headers={"X-Api-Key": keys[s.creditor.id]}
            )
            assert posted.status_code == 201, posted.text
            assert posted.json()["status"] == "CAK_ONTVANGEN"
            answers.bodies.append(cak)


async def _agreements_without_signals(http: httpx.AsyncClient, answers: Answers) -> None:
    """A creditor with an agreement for 0363 that delivers nothing (gone silent there), and one
    whose agreement with 0518 ended the day before this month (in force on no day of it)."""
    await register_creditor(http, "stil-water", "DRINKWATER", municipalities=("0363",))
    answers.in_force["0363"] = {"stil-water"}
    await register_creditor(http, "oud-energie", "ENERGIE", municipalities=("0518",))
    ended = dutch_date(now_utc()).replace(day=1) - timedelta(days=1)
    response = await http.put(
        "/v1/beheer/vlps/oud-energie/overeenkomsten/0518",
        json={"startsOn": "2024-01-01", "endsOn": ended.isoformat()},
        headers={"X-Api-Key": DEVELOPMENT_ADMIN_KEY},
    )
    response.raise_for_status()


async def _review(platform: Platform, answers: Answers) -> None:
    """Decide each municipality's review queue as `legal-person`, but for one item each."""
    routes = {t.reference: t.route for t in answers.delivered}
    waiting = sum(route == "review" for route in routes.values())
    headers = staff_headers(platform, "reviewer-regio")
    async with httpx.AsyncClient(base_url=platform["brp-check"].url, headers=headers) as http:
        items = await eventually(
            lambda: _json(http, "/v1/uitval", limit=200),
            lambda found: len(found["items"]) == waiting,
            timeout=120,
        )
        assert len(items["items"]) == waiting
        left: Counter[str] = Counter()
        for item in items["items"]:
            reference = answers.references[item["signalId"]]
            if left[item["municipality"]] < LEFT_IN_REVIEW:
                left[item["municipality"]] += 1
                continue
            decided = await http.post(
                f"/v1/uitval/{item['signalId']}/besluit",
                json={"choice": "legal-person", "explanation": "test: a legal person"},
            )
            assert decided.status_code == 200, decided.text
            routes[reference] = "legal-person"
    answers.final_route = routes
    answers.left_in_review = sum(left.values())


async def _json(http: httpx.AsyncClient, path: str, **params: Any) -> Any:
    response = await http.get(path, params=params)
    response.raise_for_status()
    return response.json()


async def _work_cases(
    platform: Platform, answers: Answers, expected_cases: int, open_cases: int
) -> None:
    """A case worker registers attempts on every open case and outcomes on some, by a fixed
    plan, once reporting counts every case the ground truth has."""
    await eventually(
        lambda: get_figures(
            platform["reporting"].url, staff_headers(platform, "analyst-regio"), this_month()
        ),
        lambda f: f.get(("meldingen", "regio", None)) == expected_cases,
        timeout=120,
    )
    headers = staff_headers(platform, "werker-regio")
    today = dutch_date(now_utc()).isoformat()
    async with httpx.AsyncClient(base_url=platform["followup"].url, headers=headers) as http:
        queue = await eventually(
            lambda: _json(http, "/v1/meldingen", limit=1000),
            lambda found: len(found["items"]) == open_cases,
            timeout=30,
        )
        assert len(queue["items"]) == open_cases
        for index, case in enumerate(sorted(queue["items"], key=lambda c: c["id"])):
            case_id = case["id"]
            answers.case_town[case_id] = case["municipality"]
            kinds = [KINDS[index % len(KINDS)]] + ([KINDS[(index + 1) % 4]] if index % 5 else [])
            made: list[tuple[str, bool]] = []
            for n, kind in enumerate(kinds):
                reached = (index + n) % 3 != 0
                response = await http.post(
                    f"/v1/meldingen/{case_id}/contactpogingen",
                    json={
                        "kind": kind,
                        "attemptedOn": today,
                        "partOfDay": "OCHTEND",
                        "result": "BEREIKT" if reached else "NIET_BEREIKT",
                    },
                )
                assert response.status_code == 201, response.text
                made.append((kind, reached))
            answers.attempts[case_id] = made
            if index % 2:
                continue
            category, detail = (
                OUTCOMES[(index // 2) % len(OUTCOMES)]
                if any(r for _, r in made)
                else ("NIET_BEREIKT", "GEEN_CONTACT")
            )
            response = await http.post(
                f"/v1/meldingen/{case_id}/uitkomst", json={"category": category, "detail": detail}
            )
            assert response.status_code == 201, response.text
            answers.outcomes[case_id] = (category, detail)


def _ratio(num: float, den: float) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num) / Decimal(den)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _per(
    into: dict[tuple[str, str, str | None], Decimal | None],
    name: str,
    items: Iterable[Any],
    town: Callable[[Any], str],
    key: Callable[[Any], str | None],
    counts: Callable[[Any], bool] = lambda _: True,
    over: Callable[[Any], bool] | None = None,
    denominator_per_key: bool = False,
) -> None:
    """Expected figures of one indicator, per municipality and for the region: numerator over
    the items `counts` holds for (of those `over` holds for, or a plain count)."""
    num: Counter[tuple[str, str | None]] = Counter()
    den: Counter[tuple[str, str | None]] = Counter()
    keys: set[tuple[str, str | None]] = set()
    for item in items:
        for m in (town(item), "regio"):
            k = key(item)
            if over is not None and not over(item):
                continue
            keys.add((m, k))
            num[(m, k)] += counts(item)
            den[(m, k) if denominator_per_key else (m, None)] += 1
    for m, k in keys:
        if over is None:
            into[(name, m, k)] = Decimal(num[(m, k)])
        else:
            into[(name, m, k)] = _ratio(
                num[(m, k)], den[(m, k) if denominator_per_key else (m, None)]
            )


def _expected(answers: Answers) -> dict[tuple[str, str, str | None], Decimal | None]:
    """Every implemented indicator's figures, from the ground truth and the test's actions."""
    e: dict[tuple[str, str, str | None], Decimal | None] = {}
    taken = answers.delivered
    final = answers.final_route
    town: Callable[[Any], str] = lambda t: t.municipality  # noqa: E731
    _per(e, "signalen", taken, town, lambda t: None)
    _per(e, "crisissignalen", taken, town, lambda t: None, lambda t: t.crisis)
    _per(e, "niet_opgepakt", answers.refused, town, lambda t: "TERMIJN")
    _per(e, "signalen_per_type_vlp", taken, town, lambda t: t.creditor_type)
    _per(e, "signalen_per_vlp", taken, town, lambda t: t.creditor_id)
    always = lambda t: True  # noqa: E731
    _per(e, "eindroute", taken, town, lambda t: final[t.reference], over=always)
    _per(
        e,
        "volledigheid_telefoon",
        taken,
        town,
        lambda t: t.creditor_id,
        lambda t: t.phone,
        always,
        denominator_per_key=True,
    )
    _per(
        e,
        "volledigheid_email",
        taken,
        town,
        lambda t: t.creditor_id,
        lambda t: t.email,
        always,
        denominator_per_key=True,
    )
    _per(
        e,
        "bekend_bij_shv",
        taken,
        town,
        lambda t: None,
        lambda t: final[t.reference] == "debt-help",
        always,
    )
    _per(e, "leeftijd", taken, town, lambda t: _age_band(t, answers), over=always)
    # Every signal came this month, within the silence policy: a creditor in force is silent
    # in a municipality where intake took none of its signals up.
    agreements = [(m, c) for m, creditors in answers.in_force.items() for c in creditors]
    _per(e, "overeenkomsten", agreements, lambda a: a[0], lambda a: None)
    delivered = {(t.municipality, t.creditor_id) for t in taken}
    silent = [a for a in agreements if a not in delivered]
    _per(e, "vlp_stilgevallen", silent, lambda a: a[0], lambda a: a[1])

    cases = case_truths([replace(t, route=final[t.reference]) for t in taken])
    ctown: Callable[[CaseTruth], str] = lambda c: c.municipality  # noqa: E731
    _per(e, "meldingen", cases, ctown, lambda c: None)
    _per(e, "crisismeldingen", cases, ctown, lambda c: None, lambda c: c.crisis)
    _per(e, "postcodegebied", cases, ctown, lambda c: c.pc4)
    _per(e, "huishoudgrootte", cases, ctown, _size, over=always)
    _per(e, "minderjarigen", cases, ctown, lambda c: None, lambda c: bool(c.minors), always)
    for name, total in (
        ("signalen_per_melding", lambda c: len(c.signals)),
        ("schuldbedrag_per_melding", lambda c: c.debt_amount),
    ):
        for m in (*TOWNS, "regio"):
            mine = [c for c in cases if m in (c.municipality, "regio")]
            if mine:
                e[(name, m, None)] = (
                    sum((Decimal(total(c)) for c in mine), Decimal(0)) / len(mine)
                ).quantize(Decimal("0.0001"), ROUND_HALF_UP)

    # What the case workers did, and the cases followup closed by itself (R-BRP-2).
    worked = list(answers.attempts)
    closed_itself = [
        (f"self-{n}", c.municipality) for n, c in enumerate(cases) if c.closed_by_itself
    ]
    case_town = answers.case_town | dict(closed_itself)
    outcome = answers.outcomes | {c: ("GEEN_CATEGORIE", "OVERLEDEN") for c, _ in closed_itself}
    wtown: Callable[[str], str] = lambda c: case_town[c]  # noqa: E731
    attempts = [(c, kind, reached) for c in worked for kind, reached in answers.attempts[c]]
    atown: Callable[[Any], str] = lambda a: case_town[a[0]]  # noqa: E731
    _per(e, "contactpogingen", attempts, atown, lambda a: a[1])
    _per(
        e,
        "contactpogingen_met_contact",
        attempts,
        atown,
        lambda a: a[1],
        lambda a: a[2],
        always,
        denominator_per_key=True,
    )
    # Over every case: those nobody worked on (closed by themselves) were not reached.
    _per(e, "meldingen_met_contact", cases, ctown, lambda c: None, lambda c: False, always)
    for m in (*TOWNS, "regio"):
        reached = sum(
            1 for c in worked if m in (wtown(c), "regio") and any(r for _, r in answers.attempts[c])
        )
        if (key := ("meldingen_met_contact", m, None)) in e:
            e[key] = _ratio(reached, sum(1 for c in cases if m in (c.municipality, "regio")))
    _per(
        e,
        "bereikt_per_soort",
        attempts,
        atown,
        lambda a: a[1],
        lambda a: a[2],
        always,
        denominator_per_key=True,
    )
    closed = list(outcome)
    _per(e, "uitkomst", closed, wtown, lambda c: outcome[c][0], over=always)
    _per(e, "uitkomst_detail", closed, wtown, lambda c: outcome[c][1], over=always)
    _per(
        e,
        "hulpacceptatie",
        closed,
        wtown,
        lambda c: None,
        lambda c: outcome[c][0] == "WIL_HULP",
        always,
    )
    helped = [c for c in closed if outcome[c][0] == "WIL_HULP"]
    for name, detail in (
        ("verwijzing_financieel", "VERWIJZING_FINANCIEEL"),
        ("verwijzing_niet_financieel", "VERWIJZING_NIET_FINANCIEEL"),
    ):
        _per(e, name, helped, wtown, lambda c: None, lambda c, d=detail: outcome[c][1] == d, always)
    reached_kinds = [(c, kind) for c, kind, r in attempts if r]
    _per(
        e,
        "hulpacceptatie_per_soort",
        reached_kinds,
        atown,
        lambda a: a[1],
        lambda a: a[0] in outcome and outcome[a[0]][0] == "WIL_HULP",
        always,
        denominator_per_key=True,
    )
    # A person's attempt today is within every deadline (3 working days at least).
    _per(e, "termijn_gehaald", worked, wtown, lambda c: None, always, always)
    return e


def _size(case: CaseTruth) -> str:
    size = case.household_size
    return "onbekend" if size is None else "5+" if size >= 5 else str(size)


def _age_band(t: Truth, answers: Answers) -> str:
    """The person's band as the BRP holds it; for a signal left in review or decided a legal
    person, the creditor's birth date's, as the BRP check found no one."""
    if t.route != "review":
        return t.age_band
    body = next(b for b in answers.bodies if b["vlpReference"] == t.reference)
    born = body.get("debtor", {}).get("geboortedatum")
    if born is None:
        return "onbekend"
    born_on, on = date.fromisoformat(born), date.fromisoformat(body["signalDate"])
    age = on.year - born_on.year - ((on.month, on.day) < (born_on.month, born_on.day))
    return next(band for limit, band in AGE_BANDS if age < limit)


def _mismatches(
    found: Figures, expected: dict[tuple[str, str, str | None], Decimal | None]
) -> dict[Any, Any]:
    names = {k[0] for k in expected}
    wrong = {k: (found.get(k), v) for k, v in expected.items() if found.get(k) != v}
    extra = {
        k: (v, None)
        for k, v in found.items()
        if k[0] in names and k not in expected and v not in (0, None)
    }
    return wrong | extra


async def test_a_generated_month_gives_the_ground_truth_per_municipality_and_region(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path, generated: Generated
) -> None:
    platform = _platform(make_platform, tmp_path, generated)
    answers = Answers()
    await _deliver(platform, generated, answers)
    await _review(platform, answers)
    routed = [replace(t, route=answers.final_route[t.reference]) for t in answers.delivered]
    cases = case_truths(routed)
    await _work_cases(platform, answers, len(cases), sum(not c.closed_by_itself for c in cases))
    expected = _expected(answers)
    analyst = staff_headers(platform, "analyst-regio")
    period = this_month()
    found = await eventually(
        lambda: get_figures(platform["reporting"].url, analyst, period),
        lambda f: not _mismatches(f, expected),
        timeout=120,
    )
    wrong = _mismatches(found, expected)
    assert not wrong, "\n".join(
        f"{k}: found {f}, expected {e}" for k, (f, e) in sorted(wrong.items(), key=str)
    )
    # A reviewed signal counts once, under its final route; the CAK registrations never.
    for m in (*TOWNS, "regio"):
        signals = found[("signalen", m, None)]
        assert signals == sum(1 for t in answers.delivered if m in (t.municipality, "regio"))
    assert found[("eindroute", "regio", "legal-person")]
    assert found.get(("eindroute", "regio", "review")) == _ratio(
        answers.left_in_review, len(answers.delivered)
    )
    # The silent creditor is found; the ended agreement counts nowhere.
    assert found[("vlp_stilgevallen", "0363", "stil-water")] == 1
    assert not [k for k in found if "oud-energie" in str(k)]

    # An analyst of one municipality sees it alone; another's is refused.
    own = await get_figures(
        platform["reporting"].url, staff_headers(platform, "analyst-0363"), period
    )
    assert {k[1] for k in own} == {"0363", "regio"}
    assert own[("signalen", "regio", None)] == found[("signalen", "0363", None)]

    # The rebuild from the fact topics gives the same figures.
    await asyncio.to_thread(rebuild, isolation)
    again = await get_figures(platform["reporting"].url, analyst, period)
    assert again == found

    await _no_personal_data_reached_reporting(isolation, answers)


def _personal_values(answers: Answers) -> set[str]:
    """What names, reaches or identifies a debtor in what was delivered."""
    values: set[str] = set()
    for body in answers.bodies:
        debtor, address = body.get("debtor", {}), body["address"]
        values |= {debtor.get("geslachtsnaam", ""), body["vlpReference"], address["postcode"]}
        values |= {body.get("phone", ""), body.get("email", ""), address.get("straat", "")}
        values |= {debtor.get("geboortedatum", ""), body.get("businessName", "")}
    values |= {t.bsn for t in answers.delivered + answers.refused}
    return {v for v in values if v and len(v) >= 5}


async def _no_personal_data_reached_reporting(isolation: Isolation, answers: Answers) -> None:
    personal = _personal_values(answers)
    # No topic reporting reads carries personal data, and no record on one names anyone.
    assert not [t.name for t in consumed_by("reporting") if t.personal_data]
    payloads = []
    for topic in consumed_by("reporting"):
        records = await read_topic(
            isolation.kafka, isolation.topic(topic.name), expect=0, timeout=5, settle=0.5
        )
        payloads += [r.value.decode() for r in records]
    assert payloads
    # Nor any row of reporting's tables.
    tables = await fetch(
        isolation.database_url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reporting'",
    )
    rows = []
    for table in tables:
        rows += [
            json.dumps(r, default=str)
            for r in await fetch(
                isolation.database_url, f"SELECT * FROM reporting.{table['table_name']}"
            )
        ]
    assert rows
    text = "\n".join(payloads + rows)
    assert [v for v in personal if v in text] == []
    assert {t.name for t in TOPICS if t.personal_data} & {
        t.name for t in consumed_by("reporting")
    } == set()
