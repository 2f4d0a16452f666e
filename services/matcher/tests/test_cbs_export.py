"""The CBS (DDAS) export as a process (domain §9, §10): a month of signals through the matcher,
with followup's attempts, first contacts, outcomes and SHV outcomes played on their topics,
exported by role `cbs-export`, validates against VNG's official schema, and the counts made
from the export equal the scenario's; only that role, for its own municipality; every export
audited."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from tests.support.cases import MatcherUnderTest, household, routed
from tests.support.db import fetch
from tests.support.ddas import VALIDATOR
from tests.support.ddas import export as ddas_export
from tests.support.kafka import publish
from vroeg.matcher import repository
from vroeg.shared.events import (
    ContactAttempted,
    ContactKind,
    ContactResult,
    DebtHelpSignalHandled,
    DebtHelpStanding,
    Event,
    FirstContactMet,
    OutcomeCategory,
    OutcomeDetail,
    PartOfDay,
    Route,
    SignalKind,
    SignalRouted,
    VlpType,
)
from vroeg.shared.topics import CONTACT_ATTEMPTED, DEBT_HELP_SIGNAL_HANDLED, FIRST_CONTACT_MET

# The scenario's month: November 2026 (received within the retention period of its test run).
MONTH = (date(2026, 11, 1), date(2026, 11, 30))
PROBLEM = "application/problem+json"
# The scenario's answers in the schema's own words (the detail model's), written out here rather
# than taken from the code under test.
PARTNER = {
    VlpType.HUUR: "Huur",
    VlpType.DRINKWATER: "Water",
    VlpType.ZORGVERZEKERING: "Zorg",
    VlpType.ENERGIE: "Energie",
    VlpType.WARMTE: "Energie",
}
RESULT = {
    OutcomeDetail.QUICK_FIX: "(Budget)advies en/of quick fix",
    OutcomeDetail.VERWIJZING_FINANCIEEL: "Vervolghulp en/of verwijzing financieel",
    OutcomeDetail.VERWIJZING_NIET_FINANCIEEL: "Vervolghulp en/of verwijzing niet financieel",
    OutcomeDetail.VERWIJZING_ZONDER_CONTACT: "Verwijzing zonder contact",
    OutcomeDetail.GEEN_HULP_NODIG: "Inwoner hoeft geen hulp vanuit vroegsignalering",
    OutcomeDetail.ZELF_GEREGELD: "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    OutcomeDetail.ANDER_TRAJECT: "Inwoner heeft al een ander lopend traject",
    OutcomeDetail.GEEN_CONTACT: "Definitief geen contact kunnen krijgen",
    OutcomeDetail.GEEN_REACTIE: "Geen reactie na eerder contact",
    OutcomeDetail.BEKEND_BIJ_SHV: "Inwoner al bekend bij schuldhulpverlening",
    OutcomeDetail.OVERLEDEN: "Inwoner is overleden",
}
CONTACT = {
    ContactKind.TELEFOON: "Telefoon",
    ContactKind.HUISBEZOEK: "Huisbezoek",
    ContactKind.SMS_WHATSAPP: "SMS/Whatsapp",
    ContactKind.EMAIL: "Mail",
    ContactKind.BRIEF: "Brief",
    ContactKind.KAART: "Kaartje",
    ContactKind.ADMINISTRATIEF: "Administratief",
    ContactKind.ANDERS: "Overige",
}
PART = {PartOfDay.OCHTEND: "Ochtend", PartOfDay.MIDDAG: "Middag", PartOfDay.AVOND: "Avond"}
NOT_YET = "Nog niet opgepakt"
REPEAT = "Niet opgepakt: herhaalde melding"
DECEASED = "Inwoner is overleden"
NOT_RESIDENT = "Persoon is geen inwoner (meer) in de gemeente"
OTHER_REASON = "Niet opgepakt: andere reden"
CATEGORY = {
    OutcomeDetail.QUICK_FIX: OutcomeCategory.WIL_HULP,
    OutcomeDetail.VERWIJZING_FINANCIEEL: OutcomeCategory.WIL_HULP,
    OutcomeDetail.VERWIJZING_NIET_FINANCIEEL: OutcomeCategory.WIL_HULP,
    OutcomeDetail.VERWIJZING_ZONDER_CONTACT: OutcomeCategory.WIL_HULP,
    OutcomeDetail.GEEN_HULP_NODIG: OutcomeCategory.WIL_GEEN_HULP,
    OutcomeDetail.ZELF_GEREGELD: OutcomeCategory.WIL_GEEN_HULP,
    OutcomeDetail.ANDER_TRAJECT: OutcomeCategory.WIL_GEEN_HULP,
    OutcomeDetail.GEEN_CONTACT: OutcomeCategory.NIET_BEREIKT,
    OutcomeDetail.GEEN_REACTIE: OutcomeCategory.NIET_BEREIKT,
    OutcomeDetail.BEKEND_BIJ_SHV: OutcomeCategory.BEKEND_BIJ_SHV,
    OutcomeDetail.OVERLEDEN: OutcomeCategory.NIET_BEREIKT,
}


def moment(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


@dataclass
class Truth:
    """What the scenario put in, counted as the export must count it."""

    signals: Counter[str] = field(default_factory=Counter)  # by status ("" for none)
    partners: Counter[str] = field(default_factory=Counter)
    crisis: int = 0
    results: Counter[str] = field(default_factory=Counter)  # by resultaat ("" for none)
    contacts: Counter[tuple[str, str, bool]] = field(default_factory=Counter)
    picked_up: int = 0
    bsns: set[str] = field(default_factory=set)

    def signal(self, event: SignalRouted, status: str) -> None:
        self.signals[status] += 1
        self.partners[PARTNER[event.signal.vlp_type]] += 1
        self.crisis += event.signal.kind in (SignalKind.AFSLUITING, SignalKind.UITHUISZETTING)
        assert event.bsn is not None
        self.bsns.add(event.bsn)


def export(exporter: MatcherUnderTest, account: str | None, **params: str) -> httpx.Response:
    """The month's delivery (another period or municipality where `params` say)."""
    period = {"startdatum": MONTH[0].isoformat(), "einddatum": MONTH[1].isoformat(), **params}
    return ddas_export(exporter.platform, account, **period)


async def settle(exporter: MatcherUnderTest, events: list[Event]) -> None:
    """Until the matcher handled these events and sent what they made."""
    for event in events:
        await exporter.handled(event.id)
    await exporter.sent()


@pytest.fixture(scope="module")
async def month(exporter: MatcherUnderTest) -> Truth:
    """A month of 0363's signals covering every status, result, contact kind, part of day and
    creditor type; and what the export must say of it."""
    truth = Truth()
    kinds, parts = list(ContactKind), [*PartOfDay, None]
    vlp_types = list(VlpType)
    followup: list[Event] = []
    routed_events: list[SignalRouted] = []
    details = [*OutcomeDetail, None, None]  # two open cases: one picked up, one not
    for i, detail in enumerate(details):
        home = household()
        vlp_type = vlp_types[i % len(vlp_types)]
        crisis = i % 4 == 0
        first = routed(
            household=home,
            vlp=f"vlp-{vlp_type.value.lower()}",
            vlp_type=vlp_type,
            kind=SignalKind.AFSLUITING if crisis else SignalKind.VROEGSIGNAAL,
            received=moment(2 + i),
            route=Route.DECEASED if detail is OutcomeDetail.OVERLEDEN else Route.RESIDENT,
        )
        members = [first]
        if i % 3 == 0:  # the same creditor again on the same debt: a repeat (R-IN-5)
            members.append(
                routed(
                    household=home,
                    vlp=first.signal.vlp_id,
                    vlp_type=vlp_type,
                    received=moment(2 + i, 15),
                    bsn=first.bsn or "",
                )
            )
        await exporter.route(*members)
        routed_events.extend(members)
        [case] = await exporter.cases(home, signals=len(members))
        picked_up = detail not in (None, OutcomeDetail.OVERLEDEN, OutcomeDetail.BEKEND_BIJ_SHV)
        picked_up = picked_up or (detail is None and i == len(details) - 2)
        if picked_up:
            # An automatic letter first (it picks nothing up), then a person's attempt.
            for n, automatic in ((0, True), (1, False)):
                kind, part = kinds[(2 * i + n) % len(kinds)], parts[(2 * i + n) % len(parts)]
                reached = (i + n) % 2 == 0
                followup.append(
                    ContactAttempted(
                        municipality="0363",
                        occurred_at=moment(3 + i),
                        case_id=case["id"],
                        attempt_id=uuid4(),
                        kind=kind,
                        attempted_on=date(2026, 11, 3 + i + n),
                        part_of_day=part,
                        result=ContactResult.BEREIKT if reached else ContactResult.NIET_BEREIKT,
                        automatic=automatic,
                    )
                )
                truth.contacts[(CONTACT[kind], PART[part] if part else "", reached)] += 1
            followup.append(
                FirstContactMet(
                    municipality="0363",
                    occurred_at=moment(4 + i),
                    case_id=case["id"],
                    due_date=date(2026, 11, 20 + i % 5),
                    attempted_on=date(2026, 11, 4 + i),
                    on_time=True,
                    crisis=crisis,
                )
            )
            truth.picked_up += 1
        if detail is not None:
            matcher_event = await exporter.close(
                case["id"],
                case["signal_ids"],
                category=CATEGORY[detail],
                detail=detail,
                closed_at=moment(5 + i, 12),
            )
            await exporter.handled(matcher_event)
        truth.results[RESULT[detail] if detail else ""] += 1
        for n, event in enumerate(members):
            if event.route is Route.DECEASED:
                truth.signal(event, DECEASED)
            elif n > 0:
                truth.signal(event, REPEAT)
            else:
                truth.signal(event, "" if picked_up or detail else NOT_YET)

    # Signals that reach no case.
    without_case = [
        routed(household=household(), route=Route.RELOCATED, received=moment(20)),
        routed(household=household(), route=Route.EMIGRATED, received=moment(21)),
        routed(
            household=household(),
            route=Route.LEGAL_PERSON,
            business_name="Jansen Beheer B.V.",
            received=moment(22),
        ),
        routed(household=household(), route=Route.DEBT_HELP, received=moment(23)),
        routed(household=household(), route=Route.DEBT_HELP, received=moment(24)),
    ]
    handled_first = without_case[3]
    # The SHV professional's outcome is heard before the signal itself: order does not matter.
    shv = DebtHelpSignalHandled(
        municipality="0363",
        occurred_at=moment(25),
        signal_id=handled_first.signal.signal_id,
        vlp_id=handled_first.signal.vlp_id,
        category=OutcomeCategory.BEKEND_BIJ_SHV,
        detail=OutcomeDetail.BEKEND_BIJ_SHV,
        debt_help=DebtHelpStanding.ACTIVE,
        handled_at=moment(25),
    )
    await publish(exporter.iso.kafka, exporter.iso.topic(DEBT_HELP_SIGNAL_HANDLED.name), [shv])
    await exporter.handled(shv.id)
    await exporter.route(*without_case)
    routed_events.extend(without_case)
    for event, status in zip(
        without_case, [NOT_RESIDENT, NOT_RESIDENT, OTHER_REASON, "", NOT_YET], strict=True
    ):
        truth.signal(event, status)
    truth.results[RESULT[OutcomeDetail.BEKEND_BIJ_SHV]] += 1
    truth.results[""] += 1

    # followup's facts, each twice (a redelivery), on their topics.
    for topic, of in ((CONTACT_ATTEMPTED, ContactAttempted), (FIRST_CONTACT_MET, FirstContactMet)):
        events = [e for e in followup if isinstance(e, of)]
        await publish(exporter.iso.kafka, exporter.iso.topic(topic.name), events + events)
    await settle(exporter, [*routed_events, *followup])
    return truth


async def test_a_month_exported_validates_against_the_official_schema_and_counts_as_it_happened(
    exporter: MatcherUnderTest, month: Truth
) -> None:
    response = export(exporter, "cbs-0363")
    assert response.status_code == 200, response.text
    document = response.json()
    VALIDATOR.validate(document)
    [levering] = document["leveringen"]
    assert (levering["gemeentecode"], document["startdatumLevering"]) == ("0363", "2026-11-01")
    signals, cases = levering["vroegsignalen"], levering["vroegsignaalzaken"]

    assert Counter(s.get("status", "") for s in signals) == month.signals
    assert Counter(s["signaalpartner"]["type"] for s in signals) == month.partners
    assert sum(s["crisissignaal"] for s in signals) == month.crisis
    assert {s["client"].get("Burgerservicenummer") for s in signals} == month.bsns
    assert Counter(c.get("resultaat", "") for c in cases) == month.results
    assert (
        Counter(
            (p["soort"], p.get("dagdeel", ""), p["bereikt"])
            for c in cases
            for p in c["contactpogingen"]
        )
        == month.contacts
    )
    assert sum("datum_opgepakt" in c for c in cases) == month.picked_up
    # Every signal is in the delivery once, and each case's signals are among them.
    ids = [s["ID"] for s in signals]
    assert len(ids) == len(set(ids))
    assert {r["ID"] for c in cases for r in c["vroegsignalen"]} <= set(ids)
    # Every value of each vocabulary occurs (the scenario covers them all).
    assert set(month.signals) == {"", NOT_YET, REPEAT, DECEASED, NOT_RESIDENT, OTHER_REASON}
    assert set(month.results) == {"", *RESULT.values()}
    assert {soort for soort, _, _ in month.contacts} == set(CONTACT.values())
    assert {part for _, part, _ in month.contacts} == {"", *PART.values()}
    assert set(month.partners) == set(PARTNER.values())


async def test_only_cbs_export_of_the_municipality_may_export_and_a_bad_period_is_a_problem(
    exporter: MatcherUnderTest, month: Truth
) -> None:
    assert export(exporter, None).status_code == 401
    for account in ("analyst-0363", "admin-0363", "vroegsignaleerder-0363", "cbs-0518"):
        refused = export(exporter, account)
        assert refused.status_code == 403, (account, refused.text)
        assert refused.headers["content-type"].startswith(PROBLEM)
    assert export(exporter, "cbs-0518", municipality="0518").status_code == 200
    for params in (
        {"einddatum": "2026-10-31"},  # ends before it starts
        {"startdatum": "2025-11-01"},  # longer than a year
        {"startdatum": "2026-13-01"},
        {"startdatum": "9999-12-01", "einddatum": "9999-12-31"},  # its end has no next day
        {"startdatum": "0001-01-01", "einddatum": "0001-01-31"},
        {"startdatum": ""},
        {"municipality": "363"},
    ):
        bad = export(exporter, "cbs-0363", **params)
        assert bad.status_code == 400, (params, bad.text)
        assert bad.headers["content-type"].startswith(PROBLEM)


async def test_every_export_is_audited_with_who_which_period_and_how_many_records(
    exporter: MatcherUnderTest, month: Truth
) -> None:
    before = await fetch(exporter.iso.database_url, "SELECT max(id) AS id FROM matcher.audit_log")
    assert export(exporter, "analyst-0363").status_code == 403
    response = export(exporter, "cbs-0363")
    [levering] = response.json()["leveringen"]
    rows = await fetch(
        exporter.iso.database_url,
        "SELECT actor, municipality, action, at, details FROM matcher.audit_log "
        "WHERE id > coalesce($1, 0) ORDER BY id",
        before[0]["id"],
    )
    [entry] = rows  # the refused request left no trace of an export
    assert (entry["actor"], entry["municipality"], entry["action"]) == (
        "cbs-0363",
        "0363",
        "cbs-export.delivered",
    )
    assert abs(entry["at"] - datetime.now(UTC)) < timedelta(minutes=5)
    assert json.loads(entry["details"]) == {
        "startdatum": "2026-11-01",
        "einddatum": "2026-11-30",
        "vroegsignalen": len(levering["vroegsignalen"]),
        "vroegsignaalzaken": len(levering["vroegsignaalzaken"]),
    }
    assert len(levering["vroegsignalen"]) == sum(month.signals.values())


async def test_a_years_worth_of_case_ids_is_one_query_parameter_not_one_each(
    exporter: MatcherUnderTest, month: Truth
) -> None:
    """A year's delivery of a large municipality names tens of thousands of cases; asyncpg
    takes at most 32,767 parameters, so the export's lookups must not spend one per id."""
    [known] = await fetch(exporter.iso.database_url, "SELECT id FROM matcher.cases LIMIT 1")
    ids = {uuid4() for _ in range(40_000)} | {known["id"]}
    engine = create_async_engine(
        exporter.iso.database_url, connect_args={"server_settings": {"search_path": "matcher"}}
    )
    try:
        async with AsyncSession(engine) as session:
            found = await repository.cases_by_id(session, ids)
            attempts = await repository.attempts_of(session, ids)
    finally:
        await engine.dispose()
    assert [case.id for case in found] == [known["id"]]
    assert {a.case_id for a in attempts} <= {known["id"]}
