"""Facts in any order, any number of times, give the same figures; the rebuild gives them again.

A month's lean facts with known answers — a reviewed signal whose final route arrives before
its review route, a case closed, reopened and closed again, a letter's reply changing its
attempt's result, a deadline missed and one met, creditors' agreements saved, ended and deleted
and creditors delivering just within and just past the silence policy — published in order,
then reversed with every fact twice (the same event again, and the same fact under a new event
id).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest

from tests.support.fixtures import Isolation, PlatformFactory, staff_headers
from tests.support.monitor import (
    Figures,
    get_figures,
    publish_facts,
    rebuild,
    twice_reversed,
)
from tests.support.signals import opened_case
from vroeg.reporting.indicators import CATALOGUE
from vroeg.reporting.indicators.creditors import SILENT_WEEKS
from vroeg.shared.clock import add_months, dutch_date
from vroeg.shared.events import (
    AgeBand,
    AgreementChanged,
    ArrearsType,
    CaseIntermediateResult,
    CaseOutcomeRegistered,
    CaseStatus,
    CaseUpdated,
    ContactAttempted,
    ContactKind,
    ContactResult,
    DebtHelpSignalHandled,
    DebtHelpStanding,
    EarlierCase,
    Event,
    FirstContactDeadlineSet,
    FirstContactDueSoon,
    FirstContactMet,
    FirstContactMissed,
    ForwardingOutcome,
    OutcomeCategory,
    OutcomeDetail,
    RefusalReason,
    Route,
    RouteFact,
    SignalFact,
    SignalForwarded,
    SignalKind,
    VlpType,
)

pytestmark = pytest.mark.infra

NOW = datetime.now(UTC)
TODAY = dutch_date(NOW)
# This month: the period the figures are asked for, and the day after it.
START = TODAY.replace(day=1)
END = add_months(START, 1)
# The period asked for: the facts' own month, also when the run crosses a month's end.
MONTH = START.strftime("%Y-%m")


def _signal(
    municipality: str,
    refusal: RefusalReason | None = None,
    *,
    vlp_id: str = "woonstad",
    received_at: datetime = NOW,
) -> SignalFact:
    return SignalFact(
        municipality=municipality,
        occurred_at=NOW,
        signal_id=uuid4(),
        vlp_id=vlp_id,
        vlp_type=VlpType.HUUR,
        kind=SignalKind.VROEGSIGNAAL,
        arrears_type=ArrearsType.HUUR,
        amount=Decimal("400.00"),
        postcode_area="1012",
        age_band=AgeBand.FROM_27,
        phone_present=True,
        email_present=False,
        received_at=received_at,
        refusal=refusal,
    )


def _route(signal: SignalFact, route: Route, at: datetime, *, reviewed: bool = False) -> RouteFact:
    return RouteFact(
        municipality=signal.municipality,
        occurred_at=at,
        signal_id=signal.signal_id,
        route=route,
        reviewed=reviewed,
        debt_help=DebtHelpStanding.ACTIVE if route is Route.DEBT_HELP else None,
        age_band=AgeBand.FROM_45,
        household_size=2,
        minors_present=False,
        routed_at=at,
    )


def _forwarded(
    municipality: str, outcome: ForwardingOutcome, at: datetime, signal_id: UUID | None = None
) -> SignalForwarded:
    return SignalForwarded(
        municipality=municipality,
        occurred_at=at,
        signal_id=signal_id or uuid4(),
        vlp_id="woonstad",
        destination="0599",
        outcome=outcome,
        attempts=0 if outcome is ForwardingOutcome.NOT_IN_REGISTRY else 1,
    )


def _agreement(
    vlp_id: str,
    municipality: str,
    starts_on: date = date(2024, 1, 1),
    ends_on: date | None = None,
    *,
    at: datetime = NOW,
    removed: bool = False,
) -> AgreementChanged:
    return AgreementChanged(
        municipality=municipality,
        occurred_at=at,
        vlp_id=vlp_id,
        vlp_type=VlpType.DRINKWATER,
        starts_on=starts_on,
        ends_on=ends_on,
        removed=removed,
        changed_at=at,
    )


def _weeks_before_the_end(days: int) -> datetime:
    """Noon (UTC, the same Dutch date) of the day `days` before the period's end."""
    return datetime.combine(END - timedelta(days=days), time(12), UTC)


def _agreements_and_silence() -> list[Event]:
    """Who has an agreement in force at the period's end, and who of them went silent: in
    0363 woonstad (delivers) and oasen (never did: silent), eneco's ended before the period,
    greenchoice's ended later; in 0518 woonstad (delivers), evides (its last signal taken up
    one day past the policy, a refused one since: silent), vitens (on the policy's last
    day), menzis (in force on the last day, silent), zilveren-kruis's starts after the period,
    dunea's saved and then deleted."""
    policy_days = 7 * SILENT_WEEKS
    later = NOW + timedelta(minutes=5)
    return [
        _agreement("woonstad", "0363"),
        _agreement("oasen", "0363"),
        _agreement("eneco", "0363", ends_on=START - timedelta(days=1)),
        _agreement("greenchoice", "0363"),
        _agreement("greenchoice", "0363", ends_on=START - timedelta(days=10), at=later),
        _agreement("woonstad", "0518"),
        _agreement("evides", "0518"),
        _signal("0518", vlp_id="evides", received_at=_weeks_before_the_end(policy_days + 1)),
        _signal("0518", RefusalReason.TERMIJN, vlp_id="evides"),
        _agreement("vitens", "0518"),
        _signal("0518", vlp_id="vitens", received_at=_weeks_before_the_end(policy_days)),
        _agreement("menzis", "0518", ends_on=END - timedelta(days=1)),
        _agreement("zilveren-kruis", "0518", starts_on=END),
        _agreement("dunea", "0518"),
        _agreement("dunea", "0518", at=later, removed=True),
    ]


def _month_of_facts() -> list[Event]:
    """Every fact of the story, in the order they happened."""
    a, b, c, d = (_signal("0363") for _ in range(4))
    refused = [_signal("0363", RefusalReason.ONDER_DREMPEL) for _ in range(2)]
    other = _signal("0518")
    later = NOW + timedelta(minutes=5)
    x, y = opened_case(kind=SignalKind.VROEGSIGNAAL), opened_case(kind=SignalKind.AFSLUITING)
    earlier = EarlierCase(
        case_id=uuid4(),
        last_received_at=NOW - timedelta(days=40),
        status=CaseStatus.CLOSED,
        outcome=OutcomeCategory.WIL_HULP,
        outcome_detail=OutcomeDetail.QUICK_FIX,
    )
    recidive = x.state.model_copy(
        update={"version": 2, "recidive": True, "consecutive": True, "previous_case": earlier}
    )
    closed = recidive.model_copy(update={"version": 3, "status": CaseStatus.CLOSED})
    attempt = uuid4()
    # A forward told twice: the later decision stands (whichever arrives first).
    told_twice = uuid4()

    def attempted(result: ContactResult, at: datetime) -> ContactAttempted:
        return ContactAttempted(
            municipality="0363",
            occurred_at=at,
            case_id=x.case_id,
            attempt_id=attempt,
            kind=ContactKind.BRIEF,
            attempted_on=TODAY,
            result=result,
            automatic=False,
        )

    def outcome(category: OutcomeCategory, detail: OutcomeDetail, at: datetime) -> Event:
        return CaseOutcomeRegistered(
            municipality="0363",
            occurred_at=at,
            case_id=x.case_id,
            signal_ids=(),
            category=category,
            detail=detail,
            closed_at=at,
        )

    deadline = {"municipality": "0363", "occurred_at": NOW, "due_date": TODAY}
    return [
        *[a, b, c, d, *refused, other],
        _route(a, Route.REVIEW, NOW),
        _route(a, Route.RESIDENT, later, reviewed=True),
        _route(b, Route.RESIDENT, NOW),
        _route(c, Route.DEBT_HELP, NOW),
        _route(d, Route.REVIEW, NOW),
        x,
        CaseUpdated(
            municipality="0363", occurred_at=NOW, case_id=x.case_id, changes=(), state=recidive
        ),
        y,
        FirstContactDeadlineSet(case_id=x.case_id, working_days=10, opened_on=TODAY, **deadline),
        FirstContactDeadlineSet(case_id=y.case_id, working_days=3, opened_on=TODAY, **deadline),
        attempted(ContactResult.NIET_BEREIKT, NOW),
        FirstContactMet(
            case_id=x.case_id, attempted_on=TODAY, on_time=True, crisis=False, **deadline
        ),
        attempted(ContactResult.BEREIKT, later),  # the letter's reply
        outcome(OutcomeCategory.WIL_HULP, OutcomeDetail.QUICK_FIX, NOW),
        outcome(OutcomeCategory.WIL_GEEN_HULP, OutcomeDetail.ZELF_GEREGELD, later),
        CaseUpdated(
            municipality="0363", occurred_at=later, case_id=x.case_id, changes=(), state=closed
        ),
        FirstContactDueSoon(case_id=y.case_id, crisis=True, **deadline),
        FirstContactMissed(case_id=y.case_id, crisis=True, **deadline),
        CaseIntermediateResult(
            municipality="0363",
            occurred_at=NOW,
            case_id=y.case_id,
            opened_at=y.state.opened_at,
            attempts=0,
            reached=False,
            offer_window_ends_on=TODAY + timedelta(days=28),
        ),
        DebtHelpSignalHandled(
            municipality="0363",
            occurred_at=NOW,
            signal_id=c.signal_id,
            vlp_id="woonstad",
            category=OutcomeCategory.BEKEND_BIJ_SHV,
            detail=OutcomeDetail.BEKEND_BIJ_SHV,
            debt_help=DebtHelpStanding.ACTIVE,
            handled_at=NOW,
        ),
        _forwarded("0363", ForwardingOutcome.FORWARDED, NOW),
        _forwarded("0363", ForwardingOutcome.NOT_IN_REGISTRY, NOW),
        _forwarded("0363", ForwardingOutcome.NO_KEY, NOW, told_twice),
        _forwarded("0363", ForwardingOutcome.FORWARDED, later, told_twice),
        _forwarded("0518", ForwardingOutcome.REFUSED, NOW),
        *_agreements_and_silence(),
    ]


def _d(text: str) -> Decimal:
    return Decimal(text)


# What the story must give, for 0363 (and the region of 0363 and 0518).
EXPECTED: dict[tuple[str, str, str | None], Decimal | None] = {
    ("signalen", "0363", None): _d("4"),
    ("signalen", "0518", None): _d("1"),
    ("signalen", "regio", None): _d("5"),
    ("niet_opgepakt", "0363", "ONDER_DREMPEL"): _d("2"),
    # A reviewed once, under its final route, though that fact came first.
    ("eindroute", "0363", "resident"): _d("0.5"),
    ("eindroute", "0363", "debt-help"): _d("0.25"),
    ("eindroute", "0363", "review"): _d("0.25"),
    ("eindroute", "regio", "resident"): _d("0.4"),
    ("eindroute", "0518", "nog-niet-gecontroleerd"): _d("1"),
    ("bekend_bij_shv", "0363", None): _d("0.25"),
    ("leeftijd", "0363", "45-66"): _d("1"),
    ("meldingen", "0363", None): _d("2"),
    ("crisismeldingen", "0363", None): _d("1"),
    ("recidive", "0363", None): _d("0.5"),
    ("opeenvolgend", "0363", "WIL_HULP"): _d("1"),
    ("contactpogingen", "0363", "BRIEF"): _d("1"),
    ("contactpogingen_met_contact", "0363", "BRIEF"): _d("1"),
    ("meldingen_met_contact", "0363", None): _d("0.5"),
    ("bereikt_per_soort", "0363", "BRIEF"): _d("1"),
    # Closed, reopened and closed again: the latest outcome.
    ("uitkomst", "0363", "WIL_GEEN_HULP"): _d("1"),
    ("hulpacceptatie", "0363", None): _d("0"),
    ("termijn_gehaald", "0363", None): _d("0.5"),
    ("termijn_bijna_verlopen", "0363", None): _d("0.5"),
    ("tussenresultaat_bereikt", "0363", None): _d("0"),
    ("shv_uitkomst", "0363", "BEKEND_BIJ_SHV"): _d("1"),
    ("volledigheid_telefoon", "0363", "woonstad"): _d("1"),
    ("volledigheid_email", "0363", "woonstad"): _d("0"),
    # Three relocated signals of 0363 decided, one told twice: its later decision counts.
    ("doorgestuurd", "0363", "FORWARDED"): _d("0.6667"),
    ("doorgestuurd", "0363", "NOT_IN_REGISTRY"): _d("0.3333"),
    ("doorgestuurd", "0363", "NO_KEY"): None,
    ("doorgestuurd", "0518", "REFUSED"): _d("1"),
    ("doorgestuurd", "regio", "FORWARDED"): _d("0.5"),
    ("doorgestuurd", "regio", "REFUSED"): _d("0.25"),
    ("overeenkomsten", "0363", None): _d("2"),
    ("overeenkomsten", "0518", None): _d("4"),
    ("overeenkomsten", "regio", None): _d("6"),
}
# Every creditor gone silent, and no other: per municipality, and in how many of them.
SILENT: dict[tuple[str, str, str | None], Decimal | None] = {
    ("vlp_stilgevallen", "0363", "oasen"): _d("1"),
    ("vlp_stilgevallen", "0518", "evides"): _d("1"),
    ("vlp_stilgevallen", "0518", "menzis"): _d("1"),
    ("vlp_stilgevallen", "regio", "oasen"): _d("1"),
    ("vlp_stilgevallen", "regio", "evides"): _d("1"),
    ("vlp_stilgevallen", "regio", "menzis"): _d("1"),
}


@pytest.mark.parametrize("order", ["as-they-happened", "reversed-each-twice"])
async def test_facts_in_any_order_and_number_give_the_same_figures_and_rebuild_gives_them_again(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path, order: str
) -> None:
    users = [
        {"username": u, "password": u, "name": u, "roles": ["analyst"], "gemeenten": g}
        for u, g in (("analyst-regio", ["0363", "0518"]), ("analyst-0363", ["0363"]))
    ]
    (tmp_path / "users.json").write_text(json.dumps(users))
    platform = make_platform()
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(tmp_path / "users.json")
    platform.start(["idp-standin", "reporting"])
    facts = _month_of_facts()
    await publish_facts(isolation, facts if order == "as-they-happened" else twice_reversed(facts))
    url, regional = platform["reporting"].url, staff_headers(platform, "analyst-regio")
    found = await get_figures(url, regional, MONTH)
    assert _differences(found) == {}
    assert {k[1] for k in found} == {"0363", "0518", "regio"}

    printed = rebuild(isolation)
    assert "facts kept" in printed
    assert await get_figures(url, regional, MONTH) == found
    # An analyst of 0363 gets 0363 only; 0518 is another municipality's (403).
    analyst = staff_headers(platform, "analyst-0363")
    assert (await get_figures(url, analyst, MONTH))[("signalen", "0363", None)] == 4
    async with httpx.AsyncClient(base_url=url, headers=analyst) as http:
        other = await http.get(
            "/v1/indicatorwaarden", params={"periode": "2026", "gemeente": "0518"}
        )
        assert other.status_code == 403


def _differences(found: Figures) -> dict[object, object]:
    wrong = {k: (found.get(k), v) for k, v in EXPECTED.items() if found.get(k) != v}
    silent = {k: v for k, v in found.items() if k[0] == "vlp_stilgevallen"}
    return wrong | ({} if silent == SILENT else {"vlp_stilgevallen": (silent, SILENT)})


async def test_the_csv_the_definitions_and_bad_input(
    isolation: Isolation, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.start(["idp-standin", "reporting"])
    await publish_facts(isolation, _month_of_facts())
    analyst = staff_headers(platform, "analyst-0363")
    async with httpx.AsyncClient(base_url=platform["reporting"].url, headers=analyst) as http:
        definitions = (await http.get("/v1/indicatoren")).json()
        assert {d["naam"] for d in definitions} == {i.name for i in CATALOGUE}
        assert all(d["label"] and d["definitie"] and d["teller"] and d["bron"] for d in definitions)

        csv = await http.get("/v1/indicatorwaarden/csv", params={"periode": MONTH})
        assert csv.status_code == 200
        assert csv.headers["content-type"].startswith("text/csv")
        lines = csv.text.splitlines()
        assert lines[0] == "Periode;Gemeente;Indicator;Uitsplitsing;Waarde;Teller;Noemer"
        assert f"{MONTH};0363;Aantal vroegsignalen;;4;4;" in lines
        assert f"{MONTH};0363;Signalen naar eindroute;route: resident;0,5000;2;4" in lines
        assert any(line.startswith(f"{MONTH};Regio (alle gemeenten);") for line in lines)

        # A quarter and a year hold the month's figures too.
        quarter = f"{TODAY.year}-K{(TODAY.month - 1) // 3 + 1}"
        for period in (quarter, str(TODAY.year)):
            assert (await get_figures(http.base_url.__str__(), analyst, period))[
                ("signalen", "0363", None)
            ] == 4

        for params, status in (
            ({"periode": "2026-13"}, 400),
            ({"periode": "2026-K5"}, 400),
            ({"periode": "oktober"}, 400),
            ({}, 400),
            ({"periode": "2026", "gemeente": "363"}, 400),
            ({"periode": "2026", "gemeente": "0518"}, 403),
        ):
            for path in ("/v1/indicatorwaarden", "/v1/indicatorwaarden/csv"):
                refused = await http.get(path, params=params)
                assert refused.status_code == status, (path, params, refused.text)
                assert refused.headers["content-type"] == "application/problem+json"
        assert (await http.get("/v1/indicatoren", headers={"Authorization": ""})).status_code == 401


async def test_each_municipality_sets_its_own_silence_policy(
    isolation: Isolation, make_platform: PlatformFactory, tmp_path: Path
) -> None:
    """0518's admin shortens the policy: vitens, whose last signal is 8 weeks old, has gone
    silent; lengthened past evides' last signal (8 weeks and a day), evides has not. Only an
    admin of the municipality sets it, within 1–52 weeks, and each save is a new version."""
    users = [
        {"username": u, "password": u, "name": u, "roles": [role], "gemeenten": ["0518"]}
        for u, role in (("analyst-0518", "analyst"), ("admin-0518", "admin"))
    ]
    (tmp_path / "users.json").write_text(json.dumps(users))
    platform = make_platform()
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(tmp_path / "users.json")
    platform.start(["idp-standin", "reporting"])
    await publish_facts(
        isolation, [*_agreements_and_silence(), _signal("0518")]
    )  # woonstad delivers
    url, analyst = platform["reporting"].url, staff_headers(platform, "analyst-0518")
    admin = staff_headers(platform, "admin-0518")
    path = "/v1/beheer/gemeenten/0518/monitorbeleid"

    async def silent() -> set[str]:
        found = await get_figures(url, analyst, MONTH, gemeente="0518")
        return {k[2] for k in found if k[0] == "vlp_stilgevallen" and k[1] == "0518" and k[2]}

    async with httpx.AsyncClient(base_url=url) as http:
        default = await http.get(path, headers=admin)
        assert default.json() == {"municipality": "0518", "version": 0, "silentWeeks": 8}
        assert await silent() == {"evides", "menzis"}

        # Five weeks reach back before this month's first day: woonstad's signal counts.
        shorter = await http.put(path, json={"silentWeeks": 5}, headers=admin)
        assert shorter.status_code == 200, shorter.text
        assert shorter.json()["version"] == 1
        assert await silent() == {"evides", "menzis", "vitens"}

        assert (await http.put(path, json={"silentWeeks": 9}, headers=admin)).json()["version"] == 2
        assert await silent() == {"menzis"}
        assert (await http.get(path, headers=admin)).json()["silentWeeks"] == 9

        for body, headers, status in (
            ({"silentWeeks": 0}, admin, 400),
            ({"silentWeeks": 53}, admin, 400),
            ({}, admin, 400),
            ({"silentWeeks": 4}, analyst, 403),
            ({"silentWeeks": 4}, {}, 401),
        ):
            refused = await http.put(path, json=body, headers=headers)
            assert refused.status_code == status, (body, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
        other = await http.put(
            "/v1/beheer/gemeenten/0363/monitorbeleid", json={"silentWeeks": 4}, headers=admin
        )
        assert other.status_code == 403
    assert await silent() == {"menzis"}
