"""Beheer (role admin), the tenant registry (domain §10) intake owns: the municipalities this
deployment serves, and for other municipalities the vroeg deployment that serves them (its
intake's and feedback service's addresses, the CA to trust there, and per municipality served
here the key it presents there). An entry saved here is served, or reached, at once (R-IN-8):
no redeploy; the operator's own municipality switch offers it at once. Through intake's
`/v1/beheer/gemeenten` API with the operator's own token, so intake decides who may change
what (a municipality's own operators; where personal data goes, an operator of every
municipality served here).

The keys are secrets: the page says for which municipalities one is set, never a key; its key
fields are always empty, also when a refused form is shown again with what was typed. Saved with
every key field empty, the entry keeps the keys it had (intake keeps them when none are sent);
with a key typed, the keys typed are all it has."""

from __future__ import annotations

import contextlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from vroeg.web import repository
from vroeg.web.beheer import REFUSED, Admin, local_refusal, refused, text
from vroeg.web.case_forms import Refusal
from vroeg.web.rendering import render
from vroeg.web.services import ServiceError, call_as, served_municipalities
from vroeg.web.sessions import CheckedForm, Visit, runtime

router = APIRouter(prefix="/beheer")

CBS_CODE = re.compile(r"\d{4}")
BAD_CODE = "Een gemeentecode is de CBS-code van vier cijfers, zoals 0363."
KEY_FIELD = "sleutel-"
# What each form confirms after it (`?gedaan=`).
DONE = {
    "opgeslagen": "De gemeente is opgeslagen in het register. Dit geldt meteen.",
    "verwijderd": "De gemeente is uit het register verwijderd. Dit geldt meteen.",
}
# Here, intake's 403 is about the municipality, not the page: told beside the form.
_TOLD = REFUSED | {403}
_NOT_YOURS = (
    "U beheert deze gemeente niet. Een gemeente die elders wordt bediend, legt alleen een "
    "beheerder vast die alle gemeenten van deze omgeving beheert."
)
_NOT_LISTED = ("verwijder-gemeente", "Deze gemeente staat niet in het register.")
_CODES = {
    "gemeente": {"forbidden": ("gemeente", _NOT_YOURS)},
    "verwijderen": {"forbidden": ("verwijder-gemeente", _NOT_YOURS), "not-found": _NOT_LISTED},
}
_URL = "vul een volledig adres in dat met https:// begint (alleen bij ontwikkelen http://)."
_FIELDS = {
    "servedHere": ("bediend", "Kies wie de gemeente bedient."),
    "intakeUrl": ("intake-url", f"Adres intake: {_URL}"),
    "feedbackUrl": ("terugkoppeling-url", f"Adres terugkoppeling: {_URL}"),
    "caCertificate": (
        "ca-certificaat",
        "Het CA-certificaat is geen geldig PEM-certificaat (-----BEGIN CERTIFICATE----- …).",
    ),
}


def _key_fields(served: list[str]) -> dict[str, tuple[str, str]]:
    """intake's names of the keys (`apiKeys.0363`), as the form's fields."""
    message = "Een sleutel heeft de vorm vroeg_<16 tekens>.<geheim>."
    return {f"apiKeys.{code}": (f"{KEY_FIELD}{code}", message) for code in served}


@router.get("/gemeenten")
async def registry(
    request: Request,
    visit: Admin,
    gedaan: Annotated[str | None, Query(max_length=40)] = None,
    wijzig: Annotated[str | None, Query(pattern=r"^\d{4}$")] = None,
) -> HTMLResponse:
    """The registry, and the form to enter a municipality or (`wijzig`) change one."""
    entries = await _entries(request, visit)
    return _page(request, visit, entries, done=DONE.get(gedaan or ""), change=wijzig)


@router.post("/gemeenten")
async def save_entry(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Enter or change a municipality's entry: no key typed keeps the keys set before; keys
    typed replace them all."""
    entries = await _entries(request, visit)
    municipality, served_here = text(form, "gemeente"), text(form, "bediend")
    local = _check_locally(form, municipality, served_here)
    if local is not None:
        return _page(request, visit, entries, refusal=local)
    body: dict[str, Any] = {
        "servedHere": served_here == "hier",
        "intakeUrl": text(form, "intake-url") or None,
        "feedbackUrl": text(form, "terugkoppeling-url") or None,
        "caCertificate": text(form, "ca-certificaat") or None,
    }
    typed = {code: key for code in _served(entries) if (key := text(form, f"{KEY_FIELD}{code}"))}
    if typed:
        body["apiKeys"] = typed
    fields = _FIELDS | _key_fields(_served(entries))
    try:
        await call_as(
            request, visit, "intake", "PUT", f"/beheer/gemeenten/{municipality}", json=body
        )
    except ServiceError as exc:
        if exc.status not in _TOLD:
            raise
        refusal = refused("gemeente", exc, form, fields, _CODES["gemeente"])
        return _page(request, visit, entries, refusal=refusal)
    await _offer_served(request, visit)
    return RedirectResponse("/beheer/gemeenten?gedaan=opgeslagen#register-kop", status_code=303)


@router.post("/gemeenten/verwijderen")
async def remove_entry(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Remove a municipality from the registry: no longer served here, nor reached elsewhere."""
    municipality = text(form, "gemeente")
    if not CBS_CODE.fullmatch(municipality):
        entries = await _entries(request, visit)
        message = "Kies de gemeente die u wilt verwijderen."
        refusal = local_refusal("verwijderen", form, "verwijder-gemeente", message)
        return _page(request, visit, entries, refusal=refusal)
    try:
        await call_as(request, visit, "intake", "DELETE", f"/beheer/gemeenten/{municipality}")
    except ServiceError as exc:
        if exc.status not in _TOLD:
            raise
        entries = await _entries(request, visit)
        refusal = refused("verwijderen", exc, form, {}, _CODES["verwijderen"])
        return _page(request, visit, entries, refusal=refusal)
    await _offer_served(request, visit)
    return RedirectResponse("/beheer/gemeenten?gedaan=verwijderd#register-kop", status_code=303)


async def _offer_served(request: Request, visit: Visit) -> None:
    """The operator's pages offer the municipalities served here now (others' from their next
    sign-in). The change is saved already: not learning this now leaves the list as it was."""
    with contextlib.suppress(ServiceError):
        served = await served_municipalities(request, visit.session.access_token)
        chosen = visit.session.municipality if visit.session.municipality in served else None
        async with runtime(request).database.unit_of_work() as uow:
            await repository.set_municipalities(uow.session, visit.id_hash, served, chosen)


def _check_locally(form: FormData, municipality: str, served_here: str) -> Refusal | None:
    """What is wrong before intake is asked: a code that goes into its path, the choice, and
    an address for a municipality served elsewhere."""
    if not CBS_CODE.fullmatch(municipality):
        return local_refusal("gemeente", form, "gemeente", BAD_CODE)
    if served_here not in ("hier", "elders"):
        return local_refusal("gemeente", form, "bediend", "Kies wie de gemeente bedient.")
    if served_here == "elders" and not text(form, "intake-url"):
        message = "Vul het adres van de intake in die deze gemeente bedient."
        return local_refusal("gemeente", form, "intake-url", message)
    return None


async def _entries(request: Request, visit: Visit) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = await call_as(
        request, visit, "intake", "GET", "/beheer/gemeenten"
    )
    return entries


def _served(entries: list[dict[str, Any]]) -> list[str]:
    """The municipalities this deployment serves: those a key can be set for."""
    return [e["municipality"] for e in entries if e["servedHere"]]


def _values(entry: dict[str, Any] | None) -> dict[str, str]:
    """An entry as the form shows it to be changed (never a key: they are not returned)."""
    if entry is None:
        return {}
    return {
        "gemeente": entry["municipality"],
        "bediend": "hier" if entry["servedHere"] else "elders",
        "intake-url": entry.get("intakeUrl") or "",
        "terugkoppeling-url": entry.get("feedbackUrl") or "",
        "ca-certificaat": entry.get("caCertificate") or "",
    }


def _page(
    request: Request,
    visit: Visit,
    entries: list[dict[str, Any]],
    *,
    done: str | None = None,
    change: str | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    changing = next((e for e in entries if e["municipality"] == change), None)
    return render(
        request,
        "beheer_gemeenten.html",
        visit,
        status=refusal.status if refusal else 200,
        done=done,
        refused=refusal,
        entries=entries,
        served=_served(entries),
        changing=changing,
        values=_values(changing),
    )
