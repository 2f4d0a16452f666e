"""What the BRP says of a signal: asked for one signal alone, or for a batch at once before
the batch's transaction opens (fewer queries: the batch's candidates' records in one query
per 20 persons, one household query per address)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from vroeg.brp_check.brp import (
    MAX_BSNS_PER_QUERY,
    BrpClient,
    BrpPerson,
    UnsearchableName,
    candidates,
)
from vroeg.shared.events import SignalData, SignalReceived

# Where a batch's answers wait for its handlers in `uow.prepared`, with the event's id.
FOUND = "brp-found"


@dataclass(frozen=True)
class Found:
    """The BRP's candidates for a signal's debtor (or why the name could not be put to the
    BRP, R-BRP-5) and, for a single candidate with an address, the birth dates of everyone
    living there (§5.5)."""

    candidates: list[BrpPerson]
    unsearchable: str | None = None
    residents: list[date | None] | None = None

    @property
    def single(self) -> BrpPerson | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


async def found(brp: BrpClient, signal: SignalData) -> Found:
    """Ask the BRP about one signal: its debtor, then the household at their address."""
    try:
        people = await brp.find(signal)
    except UnsearchableName as exc:  # not a BRP fault to retry: a reviewer looks (R-BRP-5)
        return Found([], unsearchable=str(exc))
    single = people[0] if len(people) == 1 else None
    if single is None or single.address_key is None:
        return Found(people)
    return Found(people, residents=await brp.residents(single.address_key))


async def look_up(
    events: Sequence[SignalReceived], *, brp: BrpClient
) -> dict[object, Found | Exception]:
    """Ask the BRP about a batch's signals at once: each debtor's search, then one records
    query per 20 candidates of the whole batch, then one household query per address.

    Keyed `(FOUND, event id)`. A signal whose query failed gets the failure: its handler
    raises it, so the batch's transaction does not wait on the BRP, and the signal goes
    alone, where the runtime waits for the BRP or retries."""
    searched = await asyncio.gather(
        *(brp.search(event.signal) for event in events), return_exceptions=True
    )
    wanted = [
        bsn for bsns in searched if isinstance(bsns, list) for bsn in bsns[:MAX_BSNS_PER_QUERY]
    ]
    persons: dict[str, list[BrpPerson]] | Exception
    try:
        persons = await brp.persons(wanted) if wanted else {}
    except Exception as exc:  # every signal with a candidate needed it
        persons = exc
    answers: dict[str, Found | Exception] = {}
    for event, bsns in zip(events, searched, strict=True):
        if isinstance(bsns, UnsearchableName):
            answers[str(event.id)] = Found([], unsearchable=str(bsns))
        elif not isinstance(bsns, list):
            answers[str(event.id)] = _failure(bsns)
        elif bsns and isinstance(persons, Exception):
            answers[str(event.id)] = persons
        else:
            answers[str(event.id)] = Found(
                candidates(bsns, persons if isinstance(persons, dict) else {})
            )
    homes = sorted({key for a in answers.values() if (key := _home(a)) is not None})
    households = dict(
        zip(
            homes,
            await asyncio.gather(*(brp.residents(key) for key in homes), return_exceptions=True),
            strict=True,
        )
    )
    looked_up: dict[object, Found | Exception] = {}
    for event_id, answer in answers.items():
        key = _home(answer)
        if key is not None and isinstance(answer, Found):
            residents = households[key]
            answer = (
                Found(answer.candidates, residents=residents)
                if isinstance(residents, list)
                else _failure(residents)
            )
        looked_up[(FOUND, event_id)] = answer
    return looked_up


def _home(answer: Found | Exception) -> str | None:
    """The address whose household a single candidate's signal needs."""
    single = answer.single if isinstance(answer, Found) else None
    return single.address_key if single else None


def _failure(error: BaseException) -> Exception:
    """A query's failure as its signal's handler raises it (a cancellation is no answer)."""
    if not isinstance(error, Exception):
        raise error
    return error
