"""Signals intake refused in the CBS (DDAS) export (domain §4, §9): the schema's signal status
"Niet opgepakt: onterecht signaal" is intake's refusal for too few or too many days in arrears
(R-IN-1) or an amount below the threshold (R-IN-4), and "Niet opgepakt: andere reden" names a
legal person (R-IN-3); CBS counts the signals not picked up by reason from the delivery, as the
monitor does. They come from intake's lean facts, so they are delivered without any personal
data or dates, in the period of their receipt; a taken-up signal's fact delivers nothing by
itself (its route does; the matcher passes it over), and CAK registrations have no fact at
all."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from tests.support.cases import MatcherUnderTest
from tests.support.db import fetch
from tests.support.ddas import VALIDATOR
from tests.support.ddas import export as ddas_export
from tests.support.kafka import publish, wait_until_consumed
from vroeg.shared.events import (
    AgeBand,
    ArrearsType,
    RefusalReason,
    SignalFact,
    SignalKind,
    VlpType,
)
from vroeg.shared.topics import SIGNAL_FACTS

# The schema's words, written out from the detail model.
STATUS = {
    RefusalReason.TERMIJN: "Niet opgepakt: onterecht signaal",
    RefusalReason.ONDER_DREMPEL: "Niet opgepakt: onterecht signaal",
    RefusalReason.RECHTSPERSOON: "Niet opgepakt: andere reden",
    RefusalReason.SOCIALE_INCASSO: "Niet opgepakt: andere reden",
}
# The month of this module's facts (December 2026): its own, apart from other modules'.
PERIOD = {"startdatum": "2026-12-01", "einddatum": "2026-12-31"}


def fact(
    refusal: RefusalReason | None,
    *,
    municipality: str = "0363",
    received: datetime = datetime(2026, 12, 7, 9, tzinfo=UTC),
    kind: SignalKind = SignalKind.VROEGSIGNAAL,
    vlp_type: VlpType = VlpType.ENERGIE,
) -> SignalFact:
    return SignalFact(
        municipality=municipality,
        occurred_at=received,
        signal_id=uuid4(),
        vlp_id="energiek",
        vlp_type=vlp_type,
        kind=kind,
        arrears_type=ArrearsType.ELEKTRICITEIT,
        amount=Decimal("120.50"),
        postcode_area="1012",
        age_band=AgeBand.FROM_27,
        phone_present=True,
        email_present=False,
        received_at=received,
        refusal=refusal,
    )


async def test_refused_signals_are_delivered_with_their_status_and_nothing_personal(
    exporter: MatcherUnderTest,
) -> None:
    refused = [fact(reason) for reason in RefusalReason]
    crisis = fact(RefusalReason.ONDER_DREMPEL, kind=SignalKind.AFSLUITING, vlp_type=VlpType.WARMTE)
    taken_up = fact(None)
    elsewhere = fact(RefusalReason.TERMIJN, municipality="0518")
    later = fact(RefusalReason.TERMIJN, received=datetime(2027, 1, 4, 9, tzinfo=UTC))
    events = [*refused, crisis, taken_up, elsewhere, later]
    topic = exporter.iso.topic(SIGNAL_FACTS.name)
    await publish(exporter.iso.kafka, topic, events)
    await wait_until_consumed(exporter.iso.kafka, exporter.iso.group("matcher"), topic)
    for event in [*refused, crisis, elsewhere, later]:
        await exporter.handled(event.id)
    # The taken-up signal's fact was passed over: no transaction, not even its inbox row.
    assert not await fetch(
        exporter.iso.database_url,
        "SELECT 1 FROM matcher.processed_events WHERE event_id = $1",
        str(taken_up.id),
    )

    response = ddas_export(exporter.platform, "cbs-0363", **PERIOD)
    assert response.status_code == 200, response.text
    VALIDATOR.validate(response.json())
    [levering] = response.json()["leveringen"]
    delivered = {s["ID"]: s for s in levering["vroegsignalen"]}
    assert set(delivered) == {str(f.signal_id) for f in [*refused, crisis]}
    for f in refused:
        assert delivered[str(f.signal_id)] == {
            "ID": str(f.signal_id),
            "status": STATUS[f.refusal] if f.refusal else None,
            "crisissignaal": False,
            "warmeOverdracht": False,
            "bedrag": 121,
            "signaalpartner": {"type": "Energie"},
            "client": {},
        }
    assert delivered[str(crisis.signal_id)]["crisissignaal"] is True
    assert delivered[str(crisis.signal_id)]["signaalpartner"] == {"type": "Energie"}
    # A refused signal is no case.
    assert levering["vroegsignaalzaken"] == []

    other = ddas_export(exporter.platform, "cbs-0518", municipality="0518", **PERIOD)
    assert [s["ID"] for s in other.json()["leveringen"][0]["vroegsignalen"]] == [
        str(elsewhere.signal_id)
    ]
