"""Uitval (role reviewer): the review queue of brp-check, one item beside its BRP candidates,
and the decision with its explanation (R-BRP-5). Everything through brp-check's
`/v1/uitval` API with the reviewer's own token."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vroeg.shared.events import now_utc
from vroeg.web.rendering import render
from vroeg.web.services import ServiceError, Services
from vroeg.web.sessions import CheckedForm, SignedIn, Visit, runtime

router = APIRouter(prefix="/uitval")

# What a refused decision tells the reviewer, by the field brp-check names in `invalidParams`.
_FIELD_ERRORS = {
    "choice": "Kies over wie dit signaal gaat.",
    "explanation": "Vul een toelichting in (ten hoogste 1000 tekens, zonder stuurtekens).",
    "bsn": "Kies een van de kandidaten.",
}
# … and by the problem's code for the other refusals.
_PROBLEM_ERRORS = {
    "already-decided": "Dit signaal is al beoordeeld; het besluit staat hieronder.",
    "erased": "De persoonsgegevens van dit signaal zijn volgens de bewaartermijn verwijderd; "
    "er valt niets meer te beoordelen.",
    "not-routable": "Met deze keuze kan het signaal niet verder: de gekozen persoon hoort niet "
    "(meer) bij de kandidaten, of de BRP geeft voor hem of haar geen route. Kies opnieuw.",
}


async def _brp_check(request: Request, visit: Visit, method: str, path: str, **kw: Any) -> Any:
    services = runtime(request).resources.get(Services)
    return await services.call("brp-check", method, path, token=visit.session.access_token, **kw)


@router.get("")
async def queue(
    request: Request,
    visit: SignedIn,
    besluit: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The open items of the user's municipalities (or the one they chose), oldest first."""
    params = {"limit": "200"}
    if visit.session.municipality:
        params["gemeente"] = visit.session.municipality
    body = await _brp_check(request, visit, "GET", "/uitval", params=params)
    return render(request, "uitval_lijst.html", visit, queue=body, now=now_utc(), decided=besluit)


@router.get("/{signal_id}")
async def item(request: Request, signal_id: UUID, visit: SignedIn) -> HTMLResponse:
    """One item: the signal's data beside the BRP candidates, and the decision form."""
    return await _item_page(request, visit, signal_id)


@router.post("/{signal_id}/besluit")
async def decide(request: Request, signal_id: UUID, visit: SignedIn, form: CheckedForm) -> Response:
    """Record the decision; refused ones show the item again with what to correct."""
    chosen = str(form.get("keuze", ""))
    explanation = str(form.get("toelichting", ""))
    choice, _, bsn = chosen.partition(":")
    body: dict[str, str] = {"explanation": explanation}
    if choice:
        body["choice"] = choice
    if bsn:
        body["bsn"] = bsn
    try:
        decided = await _brp_check(
            request, visit, "POST", f"/uitval/{signal_id}/besluit", json=body
        )
    except ServiceError as exc:
        if exc.status not in (400, 409, 422):
            raise
        errors = _errors(exc)
        return await _item_page(
            request,
            visit,
            signal_id,
            status=exc.status,
            errors=errors,
            invalid=exc.invalid_fields() | ({"choice"} if not choice else set()),
            chosen=chosen,
            explanation=explanation,
        )
    return RedirectResponse(f"/uitval?besluit={decided['route']}", status_code=303)


async def _item_page(
    request: Request, visit: Visit, signal_id: UUID, *, status: int = 200, **form: Any
) -> HTMLResponse:
    body = await _brp_check(request, visit, "GET", f"/uitval/{signal_id}")
    context = {"errors": [], "invalid": set(), "chosen": "", "explanation": "", **form}
    return render(
        request, "uitval_item.html", visit, status=status, item=body, now=now_utc(), **context
    )


def _errors(refused: ServiceError) -> list[str]:
    if refused.status == 400:
        fields = refused.invalid_fields()
        named = [text for field, text in _FIELD_ERRORS.items() if field in fields]
        return named or [
            "Deze keuze past niet bij het besluit: kies een kandidaat alleen met "
            "‘Een persoon uit de BRP’."
        ]
    return [
        _PROBLEM_ERRORS.get(refused.code, "Het besluit is niet vastgelegd. Probeer het opnieuw.")
    ]
