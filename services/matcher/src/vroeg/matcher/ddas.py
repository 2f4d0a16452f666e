"""The CBS export in VNG's DDAS *Uitwisselmodel* v0.9 (domain §9), as pure functions: the
platform's vocabulary mapped to the model's enumerations (every value in one place, each with
the detail model's definition it rests on), and the delivery document made from plain values.

Sources: `../shared/ref/ddas-vroegsignalering-v0.9/json_schema_Uitwisselmodel.json` (the
schema an export must validate against) and `detail-model-vroegsignalering.md` beside it.

What a delivery (`levering`) holds for a municipality and a period `startdatumLevering` …
`einddatumLevering` (both days included):
- every signal the municipality received in the period (intake's receipt, its Dutch date) —
  so each signal is delivered once, and the period counts what the monitor's indicators count
  for it (reporting counts signals by receipt too);
- every case (`vroegsignaalzaak`) opened in the period (its first signal's receipt: the case is
  delivered once, with the delivery that holds its first signal), listing all its signals by
  `ID` — a signal received in a later period is delivered with that period, and the `ID`
  joins them; its matching period is its first and last signal date (R-MAT-2);
- everything as it stands when the export is made (results, attempts, erasures): a delivery
  made again later tells what happened since.
A signal intake refused (R-IN-1 … R-IN-4) is in it too, with the status the schema has for it
and no personal data (none was kept, domain §4): CBS counts the signals not picked up by reason
as the monitor does (Bijlage 1). CAK defaulter registrations are never in it (domain §3, §9):
not vroegsignalering, though the schema's `EnumSignaalpartner` names CAK.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from vroeg.shared.events import (
    CRISIS_KINDS,
    ContactKind,
    OutcomeDetail,
    PartOfDay,
    RefusalReason,
    Route,
    SignalKind,
    VlpType,
)


class SignalStatus(StrEnum):
    """`EnumSignaalstatus`: what became of a signal that was not (yet) picked up. A signal of a
    case that was picked up or closed has no status: its case's `resultaat` and
    `datum_opgepakt` tell (the model has no value "opgepakt")."""

    NOG_NIET_OPGEPAKT = "NOG_NIET_OPGEPAKT"
    ONTERECHT = "ONTERECHT"
    HERHAALDE_MELDING = "HERHAALDE_MELDING"
    OVERLEDEN = "OVERLEDEN"
    GEEN_INWONER = "GEEN_INWONER"
    ANDERE_REDEN = "ANDERE_REDEN"


# EnumSignaalstatus.
SIGNAALSTATUS: Mapping[SignalStatus, str] = {
    # "De gemeente heeft het signaal nog niet opgepakt": its case has had no person's attempt
    # (R-FU-1) and is open; or a debt-help signal the SHV professional has not handled yet.
    SignalStatus.NOG_NIET_OPGEPAKT: "Nog niet opgepakt",
    # "…de gemelde achterstand lager is dan het drempelbedrag …, of; het aantal dagen
    # achterstand te hoog of te laag is": intake's refusal for R-IN-4 and R-IN-1.
    SignalStatus.ONTERECHT: "Niet opgepakt: onterecht signaal",
    # "…recent al een signaal is ontvangen en opgepakt over dezelfde betalingsachterstand van
    # dezelfde vastelastenpartner": the matcher's repeat (R-IN-5).
    SignalStatus.HERHAALDE_MELDING: "Niet opgepakt: herhaalde melding",
    # "Inwoner is overleden": the BRP check's deceased route (R-BRP-2).
    SignalStatus.OVERLEDEN: "Inwoner is overleden",
    # "Wanneer de inwoner in een andere gemeente staat ingeschreven": relocated (R-BRP-1,
    # with or without the destination named: the BRP says not registered here) or emigrated.
    SignalStatus.GEEN_INWONER: "Persoon is geen inwoner (meer) in de gemeente",
    # "De melding is bedoeld voor een rechtspersoon (bijv. een BV)…": a reviewer found the
    # debtor a legal person (R-BRP-5), or intake did (R-IN-3); and intake's refusal for want
    # of the creditor's social collection (R-IN-2), a reason the detail model does not name.
    SignalStatus.ANDERE_REDEN: "Niet opgepakt: andere reden",
}

# The status of a signal intake refused, by its reason (domain §4).
STATUS_OF_REFUSAL: Mapping[RefusalReason, SignalStatus] = {
    RefusalReason.TERMIJN: SignalStatus.ONTERECHT,
    RefusalReason.ONDER_DREMPEL: SignalStatus.ONTERECHT,
    RefusalReason.RECHTSPERSOON: SignalStatus.ANDERE_REDEN,
    RefusalReason.SOCIALE_INCASSO: SignalStatus.ANDERE_REDEN,
}

# EnumSignaalpartner, by the creditor's type (domain §2).
SIGNAALPARTNER: Mapping[VlpType, str] = {
    VlpType.HUUR: "Huur",  # "Inzake de huur vanaf 30 dagen"
    VlpType.DRINKWATER: "Water",  # "Inzake de drinkwaterrekening vanaf 30 dagen"
    # "Inzake de zorgverzekeringspremie … van 30 tot 100 dagen" (CAK's values are never ours).
    VlpType.ZORGVERZEKERING: "Zorg",
    VlpType.ENERGIE: "Energie",  # "Inzake de energierekening (elektriciteit, gas en/of warmte)"
    # The schema has no heat value; "energierekening (… en/of warmte)" covers it (domain §9).
    VlpType.WARMTE: "Energie",
}

# EnumContactsoort, one to one with R-FU-2's kinds.
CONTACTSOORT: Mapping[ContactKind, str] = {
    ContactKind.EMAIL: "Mail",  # "Contact via e-mail"
    ContactKind.BRIEF: "Brief",  # "Een fysieke brief … verzonden per post"
    ContactKind.SMS_WHATSAPP: "SMS/Whatsapp",  # "sms, WhatsApp of andere digitale berichtendienst"
    ContactKind.TELEFOON: "Telefoon",  # "Telefonisch contact … of een voicemail"
    ContactKind.HUISBEZOEK: "Huisbezoek",  # "Een persoonlijke contactpoging aan huis"
    ContactKind.KAART: "Kaartje",  # "kaartje dat bij de inwoner thuis wordt achtergelaten"
    ContactKind.ANDERS: "Overige",  # "Een andere vorm van contact dan de hier benoemde"
    ContactKind.ADMINISTRATIEF: "Administratief",  # "Administratieve afhandeling zonder contact"
}

# EnumDagdeel.
DAGDEEL: Mapping[PartOfDay, str] = {
    PartOfDay.OCHTEND: "Ochtend",  # "Tot 12:00 uur"
    PartOfDay.MIDDAG: "Middag",  # "Tussen 12:00 en 18:00"
    PartOfDay.AVOND: "Avond",  # "18:00 uur of later"
}

# EnumEindresultaat, by R-FU-4's outcome detail (followup's CaseOutcomeRegistered, and the SHV
# professional's DebtHelpSignalHandled).
EINDRESULTAAT: Mapping[OutcomeDetail, str] = {
    # WIL_HULP: "…zodanige hulp geboden dat de inwoner binnen 30 dagen … (zelf) de
    # betalingsachterstanden op kan lossen".
    OutcomeDetail.QUICK_FIX: "(Budget)advies en/of quick fix",
    # "…een langer hulptraject … De vervolghulp en/of doorverwijzing is financieel".
    OutcomeDetail.VERWIJZING_FINANCIEEL: "Vervolghulp en/of verwijzing financieel",
    # "… is niet-financieel: maatschappelijk werk, verslavingszorg of gezinszorg etc.".
    OutcomeDetail.VERWIJZING_NIET_FINANCIEEL: "Vervolghulp en/of verwijzing niet financieel",
    # "…aangemeld bij een andere instantie, zonder dat de inwoner hiervan op de hoogte is".
    OutcomeDetail.VERWIJZING_ZONDER_CONTACT: "Verwijzing zonder contact",
    # WIL_GEEN_HULP: "…geeft de inwoner aan geen hulp nodig te hebben".
    OutcomeDetail.GEEN_HULP_NODIG: "Inwoner hoeft geen hulp vanuit vroegsignalering",
    # "…al betaald of een betalingsregeling getroffen".
    OutcomeDetail.ZELF_GEREGELD: "Inwoner heeft zelf al betaald/betalingsregeling getroffen",
    # "…al hulpverlening ontvangt, anders dan schuldhulpverlening".
    OutcomeDetail.ANDER_TRAJECT: "Inwoner heeft al een ander lopend traject",
    # NIET_BEREIKT: "…niet gelukt om in contact te komen met de inwoner".
    OutcomeDetail.GEEN_CONTACT: "Definitief geen contact kunnen krijgen",
    # "Er is in eerste instantie contact … Vervolgens lukt het niet meer".
    OutcomeDetail.GEEN_REACTIE: "Geen reactie na eerder contact",
    # BEKEND_BIJ_SHV: "Een inwoner is al bekend bij schuldhulpverlening".
    OutcomeDetail.BEKEND_BIJ_SHV: "Inwoner al bekend bij schuldhulpverlening",
    # R-BRP-2, nobody else registered at the address: "Inwoner is overleden".
    OutcomeDetail.OVERLEDEN: "Inwoner is overleden",
}

# The routes whose signals reach no case; the matcher keeps them for the export only.
ROUTES_WITHOUT_CASE = frozenset(
    {Route.RELOCATED, Route.EMIGRATED, Route.LEGAL_PERSON, Route.DEBT_HELP}
)
_STATUS_OF_ROUTE: Mapping[Route, SignalStatus] = {
    Route.DECEASED: SignalStatus.OVERLEDEN,
    Route.RELOCATED: SignalStatus.GEEN_INWONER,
    Route.EMIGRATED: SignalStatus.GEEN_INWONER,
    Route.LEGAL_PERSON: SignalStatus.ANDERE_REDEN,
}


def signal_status(route: Route, *, repeat: bool, taken_up: bool) -> SignalStatus | None:
    """A signal's `status`: what its route says of the person first (deceased, not a resident,
    a legal person), then a repeat (R-IN-5), then whether it was taken up at all — its case
    picked up (a person's first attempt, R-FU-1) or closed, or its debt-help signal handled.
    None when taken up: its case's result tells the rest."""
    if route in _STATUS_OF_ROUTE:
        return _STATUS_OF_ROUTE[route]
    if repeat:
        return SignalStatus.HERHAALDE_MELDING
    return None if taken_up else SignalStatus.NOG_NIET_OPGEPAKT


@dataclass(frozen=True)
class Signal:
    """One signal as the export needs it; `data` is the signal as delivered (until erased).
    Of a signal intake refused only its lean fact is known: no dates, no person."""

    signal_id: UUID
    vlp_type: VlpType
    kind: SignalKind
    amount: Decimal
    signal_date: date | None
    oldest_due_date: date | None
    status: SignalStatus | None
    bsn: str | None
    data: Mapping[str, Any] | None


@dataclass(frozen=True)
class Attempt:
    """A contact attempt (R-FU-2)."""

    attempt_id: UUID
    kind: ContactKind
    attempted_on: date
    part_of_day: PartOfDay | None
    reached: bool


@dataclass(frozen=True)
class Case:
    """A case (or a debt-help signal the SHV professional handles) as the export needs it."""

    signal_ids: tuple[UUID, ...]
    outcome: OutcomeDetail | None
    matched_on: date | None
    first_signal_date: date
    last_signal_date: date
    picked_up_on: date | None
    attempts: tuple[Attempt, ...]


def whole_euros(amount: Decimal) -> int:
    """`bedrag`: "Een geldbedrag in hele euros nauwkeurig" (half a euro up)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def initials(voornamen: str | None) -> str | None:
    """`Voorletters` from the first names: "Jan Pieter" → "J.P."."""
    letters = [name[0].upper() for name in (voornamen or "").split() if name]
    return "".join(f"{letter}." for letter in letters) or None


def client(bsn: str | None, data: Mapping[str, Any] | None) -> dict[str, str]:
    """The `client` block: the BSN the BRP check found, the name and address as the creditor
    delivered them; what is unknown (or erased, R-MAT-5) is left out."""
    data = data or {}
    debtor = data.get("debtor") or {}
    address = data.get("address") or {}
    number_suffix = "-".join(p for p in (address.get("huisletter"), address.get("toevoeging")) if p)
    number = address.get("huisnummer")
    fields = {
        "Burgerservicenummer": bsn,
        "Voorletters": initials(debtor.get("voornamen")),
        "Voorvoegsel": debtor.get("voorvoegsel"),
        "Achternaam": debtor.get("geslachtsnaam"),
        "Geboortedatum": debtor.get("geboortedatum"),
        "Straatnaam": address.get("straat"),
        "Postcode": address.get("postcode"),
        "Huisnummer": str(number) if number is not None else None,
        "Huisnummertoevoeging": number_suffix or None,
        "Plaatsnaam": address.get("woonplaats"),
    }
    return {name: value for name, value in fields.items() if value}


def vroegsignaal(signal: Signal) -> dict[str, Any]:
    """One `vroegsignalen` item."""
    item: dict[str, Any] = {
        "ID": str(signal.signal_id),
        "crisissignaal": signal.kind in CRISIS_KINDS,
        # A warm handover ("Er is al contact met persoon") does not come in through the
        # platform: signals come from creditors and forwarding municipalities only.
        "warmeOverdracht": False,
        "bedrag": whole_euros(signal.amount),
        "signaalpartner": {"type": SIGNAALPARTNER[signal.vlp_type]},
        "client": client(signal.bsn, signal.data),
    }
    if signal.oldest_due_date is not None:
        # The day the arrears arose: the oldest unpaid due date (R-IN-1).
        item["ontstaansdatum"] = signal.oldest_due_date.isoformat()
    if signal.signal_date is not None:
        item["signaaldatum"] = signal.signal_date.isoformat()
    if signal.status is not None:
        item["status"] = SIGNAALSTATUS[signal.status]
    return item


_DAY_ORDER = {None: 0, PartOfDay.OCHTEND: 1, PartOfDay.MIDDAG: 2, PartOfDay.AVOND: 3}


def contactpoging(attempt: Attempt) -> dict[str, Any]:
    """One `contactpogingen` item; `bereikt`: "Er is succesvol contact met de client gemaakt"
    (R-FU-2: reached, even if the resident then declined)."""
    item: dict[str, Any] = {
        "soort": CONTACTSOORT[attempt.kind],
        "bereikt": attempt.reached,
        "datum": attempt.attempted_on.isoformat(),
    }
    if attempt.part_of_day is not None:
        item["dagdeel"] = DAGDEEL[attempt.part_of_day]
    return item


def vroegsignaalzaak(case: Case) -> dict[str, Any]:
    """One `vroegsignaalzaken` item. The matching period is the case's first and last signal
    date (R-MAT-2); `datum_opgepakt` ("De datum waarop de gemeente de zaak heeft opgepakt") the
    day of the first attempt by a person, followup's FirstContactMet (R-FU-1: an automatic
    letter is an attempt but picks nothing up)."""
    item: dict[str, Any] = {
        "startdatum_matchtingperiode": case.first_signal_date.isoformat(),
        "einddatum_matchingperiode": case.last_signal_date.isoformat(),
        "vroegsignalen": [{"ID": str(s)} for s in case.signal_ids],
        "contactpogingen": [
            contactpoging(a)
            for a in sorted(
                case.attempts,
                key=lambda a: (a.attempted_on, _DAY_ORDER[a.part_of_day], str(a.attempt_id)),
            )
        ],
    }
    if case.outcome is not None:
        item["resultaat"] = EINDRESULTAAT[case.outcome]
    if case.matched_on is not None:
        item["matchingsdatum"] = case.matched_on.isoformat()
    if case.picked_up_on is not None:
        item["datum_opgepakt"] = case.picked_up_on.isoformat()
    return item


@dataclass(frozen=True)
class Supplier:
    """Who delivers: the software supplier's code, and the delivering organisation."""

    code: str
    organisation: str | None = None
    kvk_number: str | None = None


def document(
    *,
    municipality: str,
    start: date,
    end: date,
    delivered_at: datetime,
    supplier: Supplier,
    signals: Iterable[Signal],
    cases: Sequence[Case],
) -> dict[str, Any]:
    """The `Uitwisselmodel` document: one `levering` for one municipality and period."""
    organisation = {
        name: value
        for name, value in (("naam", supplier.organisation), ("kvk-nummer", supplier.kvk_number))
        if value
    }
    return {
        "codeGegevensleverancier": supplier.code,
        "startdatumLevering": start.isoformat(),
        "einddatumLevering": end.isoformat(),
        "aanleverdatumEnTijd": delivered_at.isoformat().replace("+00:00", "Z"),
        "leveringen": [
            {
                "teller": 1,
                "gemeentecode": municipality,
                "aanleverende_organisatie": organisation,
                "vroegsignalen": [
                    vroegsignaal(s)
                    # By signal date; the refused, which have none, last.
                    for s in sorted(
                        signals,
                        key=lambda s: (s.signal_date or date.max, str(s.signal_id)),
                    )
                    if s.kind is not SignalKind.CAK_WANBETALER  # never (domain §3)
                ],
                "vroegsignaalzaken": [vroegsignaalzaak(c) for c in cases],
            }
        ],
    }
