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
) -> dict[str, Found | Exception]:
    """Ask the BRP about a batch's signals at once: each debtor's search, then one records
    query per 20 candidates of the whole batch, then one household query per address.

    By event id. A signal whose query failed gets the failure: its handler raises it, so the
    batch's transaction does not wait on the BRP, and the signal goes alone, where the
    runtime waits for the BRP or retries (the others' answers are kept for their next try)."""
    searched = await asyncio.gather(
        *(brp.search(event.signal) for event in events), return_exceptions=True
    )
    wanted = list(
        dict.fromkeys(
            bsn for bsns in searched if isinstance(bsns, list) for bsn in bsns[:MAX_BSNS_PER_QUERY]
        )
    )
    chunks = [
        wanted[start : start + MAX_BSNS_PER_QUERY]
        for start in range(0, len(wanted), MAX_BSNS_PER_QUERY)
    ]
    records = await asyncio.gather(
        *(brp.persons(chunk) for chunk in chunks), return_exceptions=True
    )
    persons: dict[str, list[BrpPerson]] = {}
    failed: dict[str, Exception] = {}  # the BSNs of a records query that failed
    for chunk, got in zip(chunks, records, strict=True):
        if isinstance(got, dict):
            persons.update(got)
        else:
            failed.update(dict.fromkeys(chunk, _failure(got)))
    answers: dict[str, Found | Exception] = {}
    for event, bsns in zip(events, searched, strict=True):
        if isinstance(bsns, UnsearchableName):
            answers[str(event.id)] = Found([], unsearchable=str(bsns))
        elif not isinstance(bsns, list):
            answers[str(event.id)] = _failure(bsns)
        elif error := next((failed[b] for b in bsns[:MAX_BSNS_PER_QUERY] if b in failed), None):
            answers[str(event.id)] = error
        else:
            answers[str(event.id)] = Found(candidates(bsns, persons))
    homes = sorted({key for a in answers.values() if (key := _home(a)) is not None})
    households = dict(
        zip(
            homes,
            await asyncio.gather(*(brp.residents(key) for key in homes), return_exceptions=True),
            strict=True,
        )
    )
    for event_id, answer in answers.items():
        key = _home(answer)
        if key is not None and isinstance(answer, Found):
            residents = households[key]
            answers[event_id] = (
                Found(answer.candidates, residents=residents)
                if isinstance(residents, list)
                else _failure(residents)
            )
    return answers


def _home(answer: Found | Exception) -> str | None:
    """The address whose household a single candidate's signal needs."""
    single = answer.single if isinstance(answer, Found) else None
    return single.address_key if single else None


def _failure(error: BaseException) -> Exception:
    """A query's failure as its signal's handler raises it (a cancellation is no answer)."""
    if not isinstance(error, Exception):
        raise error
    return error
