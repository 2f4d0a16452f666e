"""Beheer (role admin), intake's part: register creditors, issue API keys (the key is shown
once, on the page that answers the form, never again; the form is a one-time form, so posting
it again issues no second key and does not show the first again) and revoke them, record
agreements (R-IN-7). Through intake's `/v1/beheer/…` API with the operator's own token."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from vroeg.shared.events import VlpType
from vroeg.web.beheer import REFUSED, Admin, local_refusal, municipality_of, refused, text
from vroeg.web.case_forms import Refusal
from vroeg.web.once import ONCE_FIELD, new_form_token, use_form
from vroeg.web.rendering import render
from vroeg.web.services import ServiceError, call_as
from vroeg.web.sessions import CheckedForm, Visit

router = APIRouter(prefix="/beheer")

# intake's own patterns, checked here too: an id goes into the API's path.
VLP_ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
KEY_ID = re.compile(r"[0-9a-f]{16}")
BAD_VLP_ID = (
    "Een schuldeiser-id bestaat uit kleine letters, cijfers en streepjes (2 tot 64 tekens)."
)

# What each form confirms after it (`?gedaan=`).
DONE = {
    "schuldeiser": "De schuldeiser is geregistreerd.",
    "ingetrokken": "De sleutel is ingetrokken. Hij werkt niet meer.",
    "overeenkomst": "De overeenkomst is vastgelegd.",
}
# intake's 400 fields: the form's field and what to correct.
_FIELDS = {
    "id": ("id", BAD_VLP_ID),
    "name": ("naam", "Vul de naam van de schuldeiser in (ten hoogste 200 tekens)."),
    "type": ("soort", "Kies de soort schuldeiser."),
    "clientCertSha256": (
        "certificaat",
        "Een vingerafdruk is de SHA-256 van het certificaat: 64 hexadecimale tekens, "
        "eventueel in paren gescheiden door dubbele punten.",
    ),
    "startsOn": ("ingang", "Vul de ingangsdatum in."),
    "endsOn": ("einde", "Vul een einddatum in, of laat die leeg."),
    "body": ("einde", "De einddatum ligt vóór de ingangsdatum."),
}
# intake's other refusals, by form and the problem's code: the field and what to tell.
_NO_CREDITOR = ("schuldeiser", "Er is geen schuldeiser met dit id. Registreer hem eerst.")
_CODES = {
    "schuldeiser": {"exists": ("id", "Deze schuldeiser-id is al in gebruik.")},
    "sleutel": {"not-found": _NO_CREDITOR},
    "overeenkomst": {"not-found": _NO_CREDITOR},
    "intrekken": {"not-found": ("sleutel", "Er is geen sleutel met dit id.")},
}


@router.get("")
async def overview(request: Request, visit: Admin) -> HTMLResponse:
    """What the operator administers, and for which municipality."""
    return render(request, "beheer.html", visit, municipality=municipality_of(visit))


@router.get("/schuldeisers")
async def creditors(
    request: Request, visit: Admin, gedaan: Annotated[str | None, Query(max_length=40)] = None
) -> HTMLResponse:
    """The forms for creditors, keys and agreements."""
    return _creditors_page(request, visit, done=DONE.get(gedaan or ""))


@router.post("/schuldeisers")
async def register_creditor(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Register a creditor (its id is given once)."""
    body = {"id": text(form, "id"), "name": text(form, "naam"), "type": text(form, "soort")}
    return await _submit(request, visit, form, "schuldeiser", "POST", "/beheer/vlps", body)


@router.post("/overeenkomsten")
async def record_agreement(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Record a creditor's agreement with one of the operator's municipalities."""
    vlp_id, municipality = text(form, "schuldeiser"), text(form, "gemeente")
    if not VLP_ID.fullmatch(vlp_id):
        return _creditors_page(
            request, visit, refused=local_refusal("overeenkomst", form, "schuldeiser", BAD_VLP_ID)
        )
    if municipality not in visit.municipalities:
        return _creditors_page(
            request,
            visit,
            refused=local_refusal("overeenkomst", form, "gemeente", "Kies een gemeente."),
        )
    body: dict[str, Any] = {"startsOn": text(form, "ingang") or None}
    if ends := text(form, "einde"):
        body["endsOn"] = ends
    path = f"/beheer/vlps/{vlp_id}/overeenkomsten/{municipality}"
    return await _submit(request, visit, form, "overeenkomst", "PUT", path, body)


@router.post("/sleutels")
async def issue_key(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Issue a key to a creditor, or to the municipality for forwarding signals; the page
    that answers shows it once."""
    if text(form, "houder") == "gemeente":
        municipality = municipality_of(visit)
        if municipality is None:
            message = "Kies eerst bovenaan de gemeente die de sleutel krijgt."
            return _creditors_page(
                request, visit, refused=local_refusal("sleutel", form, "houder", message)
            )
        holder, path = municipality, f"/beheer/gemeenten/{municipality}/sleutels"
    elif VLP_ID.fullmatch(vlp_id := text(form, "schuldeiser")):
        holder, path = vlp_id, f"/beheer/vlps/{vlp_id}/sleutels"
    else:
        return _creditors_page(
            request, visit, refused=local_refusal("sleutel", form, "schuldeiser", BAD_VLP_ID)
        )
    use = await use_form(request, visit, form)
    if use is None:
        message = "Dit formulier is verlopen. Vul het opnieuw in; er is geen sleutel uitgegeven."
        return _creditors_page(
            request, visit, refused=local_refusal("sleutel", form, "houder", message)
        )
    if use.earlier is not None:
        # Posted again (a reload, a second click): the first post's key, never shown twice.
        earlier = use.earlier.outcome
        return render(
            request, "sleutel.html", visit, status=200 if earlier else 409, earlier=earlier
        )
    body = {"clientCertSha256": text(form, "certificaat")} if text(form, "certificaat") else {}
    try:
        key = await call_as(request, visit, "intake", "POST", path, json=body)
    except Exception as exc:
        await use.undone()
        if not isinstance(exc, ServiceError) or exc.status not in REFUSED:
            raise
        return _creditors_page(
            request, visit, refused=refused("sleutel", exc, form, _FIELDS, _CODES["sleutel"])
        )
    await use.done({"keyId": key["keyId"], "holder": holder})
    return render(request, "sleutel.html", visit, key=key, holder=holder)


@router.post("/sleutels/intrekken")
async def revoke_key(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Revoke a key by its id (`vroeg_<id>.…`): at once in intake, within 30 s everywhere."""
    key_id = text(form, "sleutel").removeprefix("vroeg_").partition(".")[0]
    if not KEY_ID.fullmatch(key_id):
        message = "Een sleutel-id bestaat uit 16 tekens: cijfers en de letters a tot en met f."
        return _creditors_page(
            request, visit, refused=local_refusal("intrekken", form, "sleutel", message)
        )
    return await _submit(request, visit, form, "intrekken", "DELETE", f"/beheer/sleutels/{key_id}")


async def _submit(
    request: Request,
    visit: Visit,
    form: FormData,
    name: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> Response:
    try:
        await call_as(request, visit, "intake", method, path, json=body)
    except ServiceError as exc:
        if exc.status not in REFUSED:
            raise
        return _creditors_page(
            request, visit, refused=refused(name, exc, form, _FIELDS, _CODES[name])
        )
    done = "ingetrokken" if name == "intrekken" else name
    return RedirectResponse(f"/beheer/schuldeisers?gedaan={done}#{name}-kop", status_code=303)


def _creditors_page(
    request: Request, visit: Visit, *, done: str | None = None, refused: Refusal | None = None
) -> HTMLResponse:
    return render(
        request,
        "beheer_schuldeisers.html",
        visit,
        status=refused.status if refused else 200,
        done=done,
        refused=refused,
        vlp_types=list(VlpType),
        municipality=municipality_of(visit),
        once_field=ONCE_FIELD,
        form_token=new_form_token(),
    )
