"""SHV (role shv-professional): followup's queue of signals of residents known to debt help
(R-BRP-4), one signal, and the form that registers what was done and the result (R-FU-4).
Everything through followup's `/v1/shv` API with the professional's own token: its scoping
decides what is shown, and each read of the queue is audited there."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from vroeg.shared.events import OutcomeCategory, now_utc
from vroeg.web.case_forms import Refusal, refusal
from vroeg.web.case_pages import OUTCOMES
from vroeg.web.rendering import render
from vroeg.web.services import ServiceError, call_as
from vroeg.web.sessions import CheckedForm, SignedIn, Visit

router = APIRouter(prefix="/shv")

# What to correct, by the field followup names in `invalidParams`: (the form's field, text).
_FIELDS = {
    "actionTaken": ("actie", "Beschrijf wat u hebt gedaan (ten hoogste 4000 tekens)."),
    "category": ("categorie", "Kies een uitkomst."),
    "detail": ("detail", "Kies een nadere uitkomst uit de lijst."),
    "reached": ("bereikt", "Geef aan of u de inwoner hebt bereikt."),
}
HANDLED_ALREADY = "Dit signaal is al afgehandeld; het staat niet meer in de lijst."


async def _queue(request: Request, visit: Visit) -> list[dict[str, Any]]:
    params = {"limit": "1000"}
    if visit.session.municipality:
        params["gemeente"] = visit.session.municipality
    body = await call_as(request, visit, "followup", "GET", "/shv", params=params)
    items: list[dict[str, Any]] = body["items"]
    return items


@router.get("")
async def queue(
    request: Request,
    visit: SignedIn,
    afgehandeld: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The open signals of the user's municipalities (or the one they chose), oldest first."""
    items = await _queue(request, visit)
    done = OutcomeCategory(afgehandeld) if afgehandeld in set(OutcomeCategory) else None
    return render_queue(request, visit, items, done=done)


def render_queue(
    request: Request,
    visit: Visit,
    items: list[dict[str, Any]],
    *,
    done: OutcomeCategory | None = None,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "shv_lijst.html",
        visit,
        status=status,
        items=items,
        done=done,
        error=error,
        now=now_utc(),
    )


@router.get("/{signal_id}")
async def item(request: Request, signal_id: UUID, visit: SignedIn) -> HTMLResponse:
    """One signal: what the creditor reported, who it is about, and the handling form."""
    return await _item_page(request, visit, signal_id)


@router.post("/{signal_id}/afhandeling")
async def handle(request: Request, signal_id: UUID, visit: SignedIn, form: CheckedForm) -> Response:
    """Register the handling; the signal leaves the queue. A refusal shows the signal again
    with what to correct and what was typed."""
    try:
        handled = await call_as(
            request,
            visit,
            "followup",
            "POST",
            f"/shv/{signal_id}/afhandeling",
            json=_body(form),
        )
    except ServiceError as exc:
        if exc.status == 409:
            items = await _queue(request, visit)
            return render_queue(request, visit, items, status=409, error=HANDLED_ALREADY)
        if exc.status not in (400, 422):
            raise
        refused = refusal("afhandeling", exc, form, _FIELDS)
        return await _item_page(request, visit, signal_id, refused=refused)
    return RedirectResponse(f"/shv?afgehandeld={handled['outcomeCategory']}", status_code=303)


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _body(form: FormData) -> dict[str, Any]:
    """The handling as followup takes it; fields left empty are left out (followup names them)."""
    body: dict[str, Any] = {"reached": _text(form, "bereikt") == "ja"}
    for name, field in (("actionTaken", "actie"), ("category", "categorie"), ("detail", "detail")):
        if value := _text(form, field):
            body[name] = value
    return body


async def _item_page(
    request: Request, visit: Visit, signal_id: UUID, *, refused: Refusal | None = None
) -> HTMLResponse:
    # followup serves the queue, not one item: the item is found in it (another
    # municipality's, or one handled already, is not there: not found).
    found = [i for i in await _queue(request, visit) if i["signalId"] == str(signal_id)]
    if not found:
        raise ServiceError(404, {})
    return render(
        request,
        "shv_item.html",
        visit,
        status=refused.status if refused else 200,
        item=found[0],
        refused=refused,
        outcomes=OUTCOMES,
        now=now_utc(),
    )
