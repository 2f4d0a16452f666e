"""The CBS (DDAS) export as a process (domain §9, §10): a month of signals through the matcher,
with followup's attempts, first contacts, outcomes and SHV outcomes played on their topics,
exported by role `cbs-export`, validates against VNG's official schema, and the counts made
from the export equal the scenario's; only that role, for its own municipality; every export
audited; nothing cached."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from tests.support.cases import MatcherUnderTest, household, routed
from tests.support.db import eventually, execute, fetch
from tests.support.fixtures import staff_headers
from tests.support.kafka import publish
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

REF = Path(__file__).resolve().parents[3] / "../shared/ref/ddas-vroegsignalering-v0.9"
VALIDATOR = Draft202012Validator(
    json.loads((REF / "json_schema_Uitwisselmodel.json").read_text()),
    format_checker=FormatChecker(),
)
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
    municipality = params.pop("municipality", "0363")
    return httpx.get(
        f"{exporter.url}/gemeenten/{municipality}/cbs-levering",
        params={"startdatum": MONTH[0].isoformat(), "einddatum": MONTH[1].isoformat(), **params},
        headers=staff_headers(exporter.platform, account) if account else {},
    )


async def settle(exporter: MatcherUnderTest, events: list[Event]) -> None:
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


async def test_an_export_is_made_anew_each_time_and_never_cached(
    exporter: MatcherUnderTest,
) -> None:
    october = {"startdatum": "2026-10-01", "einddatum": "2026-10-31"}
    home = household()
    first = routed(household=home, received=datetime(2026, 10, 12, 9, tzinfo=UTC))
    await exporter.route(first)
    [case] = await exporter.cases(home, signals=1)
    response = export(exporter, "cbs-0363", **october)
    assert response.headers["cache-control"] == "no-store"
    [signal] = response.json()["leveringen"][0]["vroegsignalen"]
    assert signal["status"] == "Nog niet opgepakt"

    # A person calls and reaches the resident; another signal comes.
    attempt = ContactAttempted(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        case_id=case["id"],
        attempt_id=uuid4(),
        kind=ContactKind.TELEFOON,
        attempted_on=date(2026, 10, 14),
        part_of_day=PartOfDay.AVOND,
        result=ContactResult.BEREIKT,
        automatic=False,
    )
    met = FirstContactMet(
        municipality="0363",
        occurred_at=datetime.now(UTC),
        case_id=case["id"],
        due_date=date(2026, 10, 26),
        attempted_on=date(2026, 10, 14),
        on_time=True,
        crisis=False,
    )
    await publish(exporter.iso.kafka, exporter.iso.topic(CONTACT_ATTEMPTED.name), [attempt])
    await publish(exporter.iso.kafka, exporter.iso.topic(FIRST_CONTACT_MET.name), [met])
    second = routed(
        household=home,
        vlp="waternet",
        vlp_type=VlpType.DRINKWATER,
        received=datetime(2026, 10, 15, 9, tzinfo=UTC),
    )
    await exporter.route(second)
    await exporter.cases(home, signals=2)
    await settle(exporter, [attempt, met, second])

    [levering] = export(exporter, "cbs-0363", **october).json()["leveringen"]
    assert {s["ID"]: s.get("status") for s in levering["vroegsignalen"]} == {
        str(first.signal.signal_id): None,
        str(second.signal.signal_id): None,
    }
    [zaak] = levering["vroegsignaalzaken"]
    assert zaak["datum_opgepakt"] == "2026-10-14"
    assert zaak["contactpogingen"] == [
        {"soort": "Telefoon", "bereikt": True, "datum": "2026-10-14", "dagdeel": "Avond"}
    ]
    assert zaak["einddatum_matchingperiode"] == "2026-10-15"


async def test_a_reply_changes_an_attempt_and_an_older_announcement_does_not_undo_it(
    exporter: MatcherUnderTest,
) -> None:
    september = {"startdatum": "2026-09-01", "einddatum": "2026-09-30"}
    home = household()
    await exporter.route(routed(household=home, received=datetime(2026, 9, 7, 9, tzinfo=UTC)))
    [case] = await exporter.cases(home, signals=1)
    sent = datetime.now(UTC)
    letter = {
        "municipality": "0363",
        "case_id": case["id"],
        "attempt_id": uuid4(),
        "kind": ContactKind.BRIEF,
        "attempted_on": date(2026, 9, 8),
        "automatic": True,
    }
    replied = ContactAttempted(
        **letter, occurred_at=sent + timedelta(days=3), result=ContactResult.BEREIKT
    )
    posted = ContactAttempted(**letter, occurred_at=sent, result=ContactResult.NIET_BEREIKT)
    # The reply is heard first, the letter's first announcement after it.
    for event in (replied, posted):
        await publish(exporter.iso.kafka, exporter.iso.topic(CONTACT_ATTEMPTED.name), [event])
        await exporter.handled(event.id)
    [zaak] = export(exporter, "cbs-0363", **september).json()["leveringen"][0]["vroegsignaalzaken"]
    assert zaak["contactpogingen"] == [{"soort": "Brief", "bereikt": True, "datum": "2026-09-08"}]
    # An automatic letter picks nothing up (R-FU-1).
    assert "datum_opgepakt" not in zaak


async def test_a_signal_without_case_loses_its_personal_data_counted_from_receipt_and_stays_a_fact(
    exporter: MatcherUnderTest,
) -> None:
    august = {"startdatum": "2026-08-01", "einddatum": "2026-08-31"}
    moved = routed(
        household=household(), route=Route.RELOCATED, received=datetime(2026, 8, 3, tzinfo=UTC)
    )
    await exporter.route(moved)
    await exporter.handled(moved.id)
    [before] = export(exporter, "cbs-0363", **august).json()["leveringen"][0]["vroegsignalen"]
    assert before["client"]["Burgerservicenummer"] == moved.bsn
    assert before["client"]["Achternaam"] == "Jansen"
    # R-MAT-5: a copy that belongs to no case falls due counted from its receipt.
    await execute(
        exporter.iso.database_url,
        "UPDATE matcher.routed_signals SET received_at = received_at - interval '7 months' "
        "WHERE signal_id = $1",
        moved.signal.signal_id,
    )
    [row] = await eventually(
        lambda: fetch(
            exporter.iso.database_url,
            "SELECT bsn, data, route, amount FROM matcher.routed_signals WHERE signal_id = $1",
            moved.signal.signal_id,
        ),
        lambda rows: rows[0]["data"] is None,
    )
    assert (row["bsn"], row["data"], row["route"]) == (None, None, "relocated")
    # Now received in January: delivered with January, the facts unchanged, no client.
    january = {"startdatum": "2026-01-01", "einddatum": "2026-01-31"}
    [after] = export(exporter, "cbs-0363", **january).json()["leveringen"][0]["vroegsignalen"]
    assert after == {**before, "client": {}}


async def test_a_closed_case_signal_loses_its_personal_data_when_due_and_once(
    exporter: MatcherUnderTest,
) -> None:
    july = {"startdatum": "2026-07-01", "einddatum": "2026-07-31"}
    home = household()
    signal = routed(household=home, received=datetime(2026, 7, 6, tzinfo=UTC))
    await exporter.route(signal)
    [case] = await exporter.cases(home, signals=1)
    await exporter.handled(await exporter.close(case["id"], case["signal_ids"]))
    await execute(
        exporter.iso.database_url,
        "UPDATE matcher.case_signals SET case_closed_at = case_closed_at - interval '7 months' "
        "WHERE signal_id = $1",
        signal.signal.signal_id,
    )
    # Erased to SQL NULL (not JSON null): the retention job no longer finds it holding any.
    [row] = await eventually(
        lambda: fetch(
            exporter.iso.database_url,
            "SELECT bsn, data IS NULL AS erased FROM matcher.case_signals WHERE signal_id = $1",
            signal.signal.signal_id,
        ),
        lambda rows: rows[0]["erased"],
    )
    assert (row["bsn"], row["erased"]) == (None, True)
    [exported] = export(exporter, "cbs-0363", **july).json()["leveringen"][0]["vroegsignalen"]
    assert exported["ID"] == str(signal.signal.signal_id)
    assert exported["client"] == {}


async def test_a_signal_is_delivered_with_the_period_of_its_receipt_and_a_case_with_its_first(
    exporter: MatcherUnderTest,
) -> None:
    home = household()
    may = routed(household=home, received=datetime(2026, 5, 29, 9, tzinfo=UTC))
    june = routed(
        household=home,
        vlp="waternet",
        vlp_type=VlpType.DRINKWATER,
        received=datetime(2026, 6, 2, 9, tzinfo=UTC),
    )
    # Sent on 31 May, received at 00:30 on 1 June in Amsterdam: June's (the Dutch date).
    late = routed(
        household=household(),
        route=Route.EMIGRATED,
        received=datetime(2026, 5, 31, 22, 30, tzinfo=UTC),
    )
    await exporter.route(may, june, late)
    await exporter.cases(home, signals=2)
    await exporter.handled(late.id)

    def levering(start: str, end: str) -> dict[str, list[dict[str, object]]]:
        response = export(exporter, "cbs-0363", startdatum=start, einddatum=end)
        VALIDATOR.validate(response.json())
        found: dict[str, list[dict[str, object]]] = response.json()["leveringen"][0]
        return found

    in_may, in_june = levering("2026-05-01", "2026-05-31"), levering("2026-06-01", "2026-06-30")
    assert [s["ID"] for s in in_may["vroegsignalen"]] == [str(may.signal.signal_id)]
    assert {s["ID"] for s in in_june["vroegsignalen"]} == {
        str(june.signal.signal_id),
        str(late.signal.signal_id),
    }
    [emigrated] = [s for s in in_june["vroegsignalen"] if s["ID"] == str(late.signal.signal_id)]
    assert emigrated["signaaldatum"] == "2026-05-31"
    [case] = in_may["vroegsignaalzaken"]
    assert case["vroegsignalen"] == [
        {"ID": str(may.signal.signal_id)},
        {"ID": str(june.signal.signal_id)},
    ]
    assert (case["startdatum_matchtingperiode"], case["einddatum_matchingperiode"]) == (
        "2026-05-29",
        "2026-06-02",
    )
    assert in_june["vroegsignaalzaken"] == []
    # Both months at once: each once.
    both = levering("2026-05-01", "2026-06-30")
    assert len(both["vroegsignalen"]) == 3
    assert len(both["vroegsignaalzaken"]) == 1
