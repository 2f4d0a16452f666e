"""The CBS (DDAS) export over time (domain §9): made anew at every request and never cached, a
later announcement of an attempt wins over an older one whatever their order, personal data
erased on schedule (R-MAT-5) while the facts stay delivered, and each signal and case delivered
once, with the period of its receipt."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import httpx

from tests.support.cases import MatcherUnderTest, household, routed
from tests.support.db import eventually, execute, fetch
from tests.support.ddas import VALIDATOR
from tests.support.ddas import export as ddas_export
from tests.support.kafka import publish
from vroeg.shared.events import (
    ContactAttempted,
    ContactKind,
    ContactResult,
    FirstContactMet,
    PartOfDay,
    Route,
    VlpType,
)
from vroeg.shared.topics import CONTACT_ATTEMPTED, FIRST_CONTACT_MET


def export(exporter: MatcherUnderTest, account: str, **period: str) -> httpx.Response:
    return ddas_export(exporter.platform, account, **period)


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
    for event in (attempt, met, second):
        await exporter.handled(event.id)

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
