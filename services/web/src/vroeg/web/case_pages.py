"""Werkvoorraad (role vroegsignaleerder): followup's work queue, one case from the matcher's
case detail beside followup's followup part, and the forms that register attempts, replies,
the outcome, notes and circumstances, and reopen a case. Everything through the services'
`/v1/meldingen` APIs with the user's own token: their scoping decides what is shown."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from vroeg.shared.events import (
    ContactKind,
    ContactResult,
    OutcomeCategory,
    PartOfDay,
    now_utc,
)
from vroeg.web.case_forms import FORMS, Refusal, refusal
from vroeg.web.rendering import LOCAL, render
from vroeg.web.services import ServiceError, Services
from vroeg.web.sessions import CheckedForm, SignedIn, Visit, runtime

router = APIRouter(prefix="/werkvoorraad")

# The outcome form's choices: each category with the CBS export's details that belong to it
# (followup's rules decide; the form only groups them).
OUTCOMES = {
    OutcomeCategory.WIL_HULP: [
        "QUICK_FIX",
        "VERWIJZING_FINANCIEEL",
        "VERWIJZING_NIET_FINANCIEEL",
        "VERWIJZING_ZONDER_CONTACT",
    ],
    OutcomeCategory.WIL_GEEN_HULP: ["GEEN_HULP_NODIG", "ZELF_GEREGELD", "ANDER_TRAJECT"],
    OutcomeCategory.NIET_BEREIKT: ["GEEN_CONTACT", "GEEN_REACTIE"],
    OutcomeCategory.BEKEND_BIJ_SHV: ["BEKEND_BIJ_SHV"],
}
# The attempts a reply can be recorded on (§8.5.3).
REPLYABLE = {ContactKind.BRIEF, ContactKind.KAART}


async def _call(
    request: Request, visit: Visit, service: str, method: str, path: str, **kw: Any
) -> Any:
    services = runtime(request).resources.get(Services)
    return await services.call(service, method, path, token=visit.session.access_token, **kw)


@router.get("")
async def queue(request: Request, visit: SignedIn) -> HTMLResponse:
    """Open cases of the user's municipalities (or the one they chose): by deadline, then
    crisis, then priority, as followup orders them (R-FU-1, R-MAT-4)."""
    params = {"limit": "200"}
    if visit.session.municipality:
        params["gemeente"] = visit.session.municipality
    body = await _call(request, visit, "followup", "GET", "/meldingen", params=params)
    return render(request, "werkvoorraad.html", visit, queue=body)


@router.get("/{case_id}")
async def case(
    request: Request,
    case_id: UUID,
    visit: SignedIn,
    gedaan: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """One case: its signals, household, score and history beside its followup."""
    done = FORMS[gedaan].done if gedaan in FORMS else None
    return await _case_page(request, visit, case_id, done=done)


@router.post("/{case_id}/{form_name}")
async def submit(
    request: Request, case_id: UUID, form_name: str, visit: SignedIn, form: CheckedForm
) -> Response:
    """A form of the case page; refused ones show the page again with what to correct."""
    return await _submit(request, visit, case_id, form_name, form, "")


@router.post("/{case_id}/contactpogingen/{attempt_id}/reactie")
async def reply(
    request: Request, case_id: UUID, attempt_id: UUID, visit: SignedIn, form: CheckedForm
) -> Response:
    """The resident's reply to a letter or card, recorded on that attempt (§8.5.3)."""
    return await _submit(request, visit, case_id, "reactie", form, str(attempt_id))


async def _submit(
    request: Request, visit: Visit, case_id: UUID, name: str, form: Any, attempt: str
) -> Response:
    chosen = FORMS.get(name)
    if chosen is None or (name == "reactie") != bool(attempt):
        raise HTTPException(404)
    user = visit.session.name or visit.session.subject
    path = f"/meldingen/{case_id}" + chosen.path.format(attempt=attempt)
    try:
        await _call(request, visit, "followup", chosen.method, path, json=chosen.body(form, user))
    except ServiceError as exc:
        if exc.status not in (400, 409, 422):
            raise
        refused = refusal(name, exc, form)
        if attempt:
            refused.values["poging"] = attempt
        return await _case_page(request, visit, case_id, refused=refused)
    return RedirectResponse(
        f"/werkvoorraad/{case_id}?gedaan={name}#{chosen.section}-kop", status_code=303
    )


async def _case_page(
    request: Request,
    visit: Visit,
    case_id: UUID,
    *,
    done: str | None = None,
    refused: Refusal | None = None,
) -> HTMLResponse:
    detail, followup = await asyncio.gather(
        _call(request, visit, "matcher", "GET", f"/meldingen/{case_id}"),
        _call(request, visit, "followup", "GET", f"/meldingen/{case_id}/opvolging"),
    )
    return render(
        request,
        "melding.html",
        visit,
        status=refused.status if refused else 200,
        case=detail,
        followup=followup,
        done=done,
        refused=refused,
        today=now_utc().astimezone(LOCAL).date().isoformat(),
        kinds=list(ContactKind),
        parts_of_day=list(PartOfDay),
        results=list(ContactResult),
        outcomes=OUTCOMES,
        replyable={k.value for k in REPLYABLE},
    )
