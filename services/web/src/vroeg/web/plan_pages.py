"""Beheer (role admin): a municipality's contact plan (R-FU-3), saved as its next version in
followup: ordered steps (a kind, a delay in working days from the case's opening, criteria)
and the sender of the automatic letters, SMS and e-mails. Without script, the form offers
the plan's steps and a few empty rows; a row without a kind is no step."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from vroeg.shared.events import ContactKind
from vroeg.web.beheer import (
    REFUSED,
    Admin,
    decimal_from_dutch,
    dutch_decimal,
    municipality_of,
    refused,
    text,
    typed,
)
from vroeg.web.case_forms import Refusal
from vroeg.web.rendering import render
from vroeg.web.services import ServiceError, call_as
from vroeg.web.sessions import CheckedForm, Visit

router = APIRouter(prefix="/beheer/contactplan")

# The kinds a plan can hold (followup's R-FU-3): three go out by themselves, two are tasks.
KINDS = [
    ContactKind.BRIEF,
    ContactKind.SMS_WHATSAPP,
    ContactKind.EMAIL,
    ContactKind.TELEFOON,
    ContactKind.HUISBEZOEK,
]
MAX_STEPS = 20
EMPTY_ROWS = 2
# Yes/no criteria: a select of either way, yes, no.
CRITERIA = {
    "phoneKnown": "telefoon",
    "emailKnown": "email",
    "crisis": "crisis",
    "minors": "minderjarig",
}
SENDER = {
    "name": ("naam", "Vul de naam van de afzender in (ten hoogste 200 tekens)."),
    "phone": ("telefoon", "Vul het telefoonnummer van de afzender in."),
    "email": ("email", "Vul het e-mailadres van de afzender in."),
    "website": ("website", "Vul de website van de afzender in."),
    "reachable": ("bereikbaar", "Vul in wanneer de afzender bereikbaar is."),
    "returnAddress": ("retouradres", "Vul het retouradres in: één tot vier regels."),
}
_STEP_FIELDS = {
    "kind": ("soort", "Kies een soort stap uit de lijst."),
    "delayWorkingDays": ("dagen", "Vul een aantal werkdagen in van 0 tot en met 60."),
    "criteria.amountOver": ("bedrag", "Vul een bedrag in euro in, of laat het leeg."),
}


def _values(plan: dict[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {"rijen": str(min(MAX_STEPS, len(plan["steps"]) + EMPTY_ROWS))}
    for i, step in enumerate(plan["steps"]):
        values[f"stap-{i}-soort"] = step["kind"]
        values[f"stap-{i}-dagen"] = str(step["delayWorkingDays"])
        criteria = step["criteria"]
        for name, field in CRITERIA.items():
            if criteria.get(name) is not None:
                values[f"stap-{i}-{field}"] = "ja" if criteria[name] else "nee"
        if criteria.get("amountOver") is not None:
            values[f"stap-{i}-bedrag"] = dutch_decimal(criteria["amountOver"])
    sender = plan.get("sender") or {}
    for name, (field, _) in SENDER.items():
        if name in sender:
            value = sender[name]
            values[f"afzender-{field}"] = "\n".join(value) if isinstance(value, list) else value
    return values


def _rows(form: FormData) -> int:
    given = text(form, "rijen")
    return min(MAX_STEPS, int(given)) if given.isdigit() else MAX_STEPS


def plan_body(form: FormData) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The plan as followup takes it, and followup's field names mapped to the form's (the
    rows left without a kind are no step, so a step's index is not its row's)."""
    steps: list[dict[str, Any]] = []
    fields: dict[str, tuple[str, str]] = {}
    for row in range(_rows(form)):
        kind = text(form, f"stap-{row}-soort")
        if not kind:
            continue
        criteria: dict[str, Any] = {}
        for name, field in CRITERIA.items():
            if (answer := text(form, f"stap-{row}-{field}")) in ("ja", "nee"):
                criteria[name] = answer == "ja"
        if amount := text(form, f"stap-{row}-bedrag"):
            criteria["amountOver"] = decimal_from_dutch(amount)
        days = text(form, f"stap-{row}-dagen")
        for name, (field, message) in _STEP_FIELDS.items():
            fields[f"steps.{len(steps)}.{name}"] = (
                f"stap-{row}-{field}",
                f"Stap {row + 1}: {message}",
            )
        steps.append(
            {"kind": kind, "delayWorkingDays": days if days else None, "criteria": criteria}
        )
    sender: dict[str, Any] = {name: text(form, f"afzender-{f}") for name, (f, _) in SENDER.items()}
    sender["returnAddress"] = [
        line.strip() for line in sender["returnAddress"].splitlines() if line.strip()
    ]
    fields |= {
        f"sender.{name}": (f"afzender-{f}", message) for name, (f, message) in SENDER.items()
    }
    fields["steps"] = ("stap-0-soort", f"Een plan heeft 1 tot {MAX_STEPS} stappen.")
    fields["body"] = ("stap-0-soort", "Twee stappen van dezelfde soort op dezelfde dag kan niet.")
    return {"steps": steps, "sender": sender}, fields


def _page(
    request: Request,
    visit: Visit,
    plan: dict[str, Any] | None,
    values: dict[str, str],
    *,
    saved: int | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    rows = int(values["rijen"]) if values.get("rijen", "").isdigit() else MAX_STEPS
    return render(
        request,
        "beheer_contactplan.html",
        visit,
        status=refusal.status if refusal else 200,
        policy=plan,
        values=values,
        rows=range(min(rows, MAX_STEPS)),
        saved=saved,
        refused=refusal,
        municipality=municipality_of(visit),
        kinds=KINDS,
        criteria=CRITERIA,
    )


@router.get("")
async def contact_plan(
    request: Request, visit: Admin, opgeslagen: Annotated[int | None, Query(ge=0)] = None
) -> HTMLResponse:
    """followup's contact plan in force for the municipality, as a form."""
    municipality = municipality_of(visit)
    if municipality is None:
        return _page(request, visit, None, {})
    plan = await call_as(
        request, visit, "followup", "GET", f"/beheer/gemeenten/{municipality}/contactplan"
    )
    return _page(request, visit, plan, _values(plan), saved=opgeslagen)


@router.post("")
async def save_contact_plan(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Save the form as the municipality's next contact plan version."""
    municipality = municipality_of(visit)
    if municipality is None:
        return _page(request, visit, None, {})
    body, fields = plan_body(form)
    path = f"/beheer/gemeenten/{municipality}/contactplan"
    try:
        saved = await call_as(request, visit, "followup", "PUT", path, json=body)
    except ServiceError as exc:
        if exc.status not in REFUSED:
            raise
        refusal = refused("contactplan", exc, form, fields)
        return _page(request, visit, None, typed(form), refusal=refusal)
    return RedirectResponse(f"/beheer/contactplan?opgeslagen={saved['version']}", status_code=303)
