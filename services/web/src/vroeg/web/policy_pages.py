"""Beheer (role admin), the policies a municipality sets, each saved as its next version in
the service that owns it: intake's thresholds and attestations (R-IN-4, R-IN-2), the
matcher's priority weights and vulnerable areas (R-MAT-4), and reporting's monitor policy (the
weeks without a signal after which a creditor counts as gone silent). The page shows the version in
force (0: the national default) and saves what the operator changed."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from vroeg.shared.events import ArrearsType, VlpType
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
from vroeg.web.labels import label
from vroeg.web.rendering import render
from vroeg.web.services import ServiceError, call_as
from vroeg.web.sessions import CheckedForm, Visit

router = APIRouter(prefix="/beheer")

# The social-collection steps a creditor attests to (R-IN-2), as intake names them.
ATTESTATIONS = ("writtenReminder", "personalContactAttempt", "debtHelpReferral", "dataSharingOffer")
# R-MAT-4's weights as the matcher names them, with the form's Dutch label.
WEIGHTS = {
    "perCreditorType": "Punten per soort schuldeiser",
    "per100Euro": "Punten per € 100 achterstand",
    "arrearsCapEuro": "Achterstand telt mee tot (euro)",
    "rent": "Punten bij huurachterstand",
    "minors": "Punten bij minderjarigen in het huishouden",
    "perMonthOldestClaim": "Punten per maand sinds de oudste vordering",
    "oldestClaimCapMonths": "Maanden tellen mee tot",
    "recidive": "Punten bij recidive",
    "vulnerableArea": "Punten bij een kwetsbare wijk",
}


def _page(
    request: Request,
    visit: Visit,
    template: str,
    policy: dict[str, Any] | None,
    values: dict[str, str],
    *,
    saved: int | None = None,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    return render(
        request,
        template,
        visit,
        status=refusal.status if refusal else 200,
        policy=policy,
        values=values,
        saved=saved,
        refused=refusal,
        municipality=municipality_of(visit),
        arrears_types=list(ArrearsType),
        vlp_types=list(VlpType),
        attestations=ATTESTATIONS,
        weights=WEIGHTS,
    )


# intake's policy -----------------------------------------------------------------------------


def _intake_values(policy: dict[str, Any]) -> dict[str, str]:
    values = {f"drempel-{t}": dutch_decimal(v) for t, v in policy["thresholds"].items()}
    for vlp_type, required in policy["requiredAttestations"].items():
        values.update({f"verklaring-{vlp_type}-{a}": "ja" for a in required})
    return values


def _intake_body(form: FormData) -> dict[str, Any]:
    thresholds = {
        t.value: decimal_from_dutch(text(form, f"drempel-{t}"))
        for t in ArrearsType
        if text(form, f"drempel-{t}")
    }
    required = {
        v.value: [a for a in ATTESTATIONS if text(form, f"verklaring-{v}-{a}")] for v in VlpType
    }
    return {"thresholds": thresholds, "requiredAttestations": required}


_INTAKE_FIELDS = {
    f"thresholds.{t}": (
        f"drempel-{t}",
        f"Vul bij {label(t).lower()} een bedrag in euro in, of laat het leeg.",
    )
    for t in ArrearsType
}


@router.get("/intakebeleid")
async def intake_policy(
    request: Request, visit: Admin, opgeslagen: Annotated[int | None, Query(ge=0)] = None
) -> HTMLResponse:
    """intake's policy in force for the municipality, as a form."""
    municipality = municipality_of(visit)
    if municipality is None:
        return _page(request, visit, "beheer_intakebeleid.html", None, {})
    policy = await call_as(
        request, visit, "intake", "GET", f"/beheer/gemeenten/{municipality}/beleid"
    )
    return _page(
        request, visit, "beheer_intakebeleid.html", policy, _intake_values(policy), saved=opgeslagen
    )


@router.post("/intakebeleid")
async def save_intake_policy(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Save the form as the municipality's next intake policy version."""
    return await _save(
        request, visit, form, "intake", "beleid", "intakebeleid", _intake_body(form), _INTAKE_FIELDS
    )


# the matcher's priority policy ---------------------------------------------------------------


def _priority_values(policy: dict[str, Any]) -> dict[str, str]:
    values = {name: dutch_decimal(value) for name, value in policy["weights"].items()}
    values["gebieden"] = " ".join(policy["vulnerableAreas"])
    return values


def _priority_body(form: FormData) -> dict[str, Any]:
    weights = {name: decimal_from_dutch(text(form, name)) for name in WEIGHTS if text(form, name)}
    areas = [a for a in re.split(r"[\s,;]+", text(form, "gebieden")) if a]
    return {"weights": weights, "vulnerableAreas": areas}


_PRIORITY_FIELDS = {
    f"weights.{name}": (name, f"{title}: vul een getal in van 0 tot en met 1000 (twee decimalen).")
    for name, title in WEIGHTS.items()
} | {
    "weights.arrearsCapEuro": ("arrearsCapEuro", "Vul een bedrag in van 0 tot 1.000.000 euro."),
    "weights.oldestClaimCapMonths": (
        "oldestClaimCapMonths",
        "Vul een heel aantal maanden in, van 0 tot en met 120.",
    ),
    "vulnerableAreas": ("gebieden", "Een wijk is een postcodegebied van vier cijfers, zoals 1102."),
}


@router.get("/prioriteit")
async def priority_policy(
    request: Request, visit: Admin, opgeslagen: Annotated[int | None, Query(ge=0)] = None
) -> HTMLResponse:
    """The matcher's priority policy in force for the municipality, as a form."""
    municipality = municipality_of(visit)
    if municipality is None:
        return _page(request, visit, "beheer_prioriteit.html", None, {})
    policy = await call_as(
        request, visit, "matcher", "GET", f"/beheer/gemeenten/{municipality}/prioriteit"
    )
    return _page(
        request, visit, "beheer_prioriteit.html", policy, _priority_values(policy), saved=opgeslagen
    )


@router.post("/prioriteit")
async def save_priority_policy(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Save the form as the municipality's next priority policy version."""
    return await _save(
        request,
        visit,
        form,
        "matcher",
        "prioriteit",
        "prioriteit",
        _priority_body(form),
        _PRIORITY_FIELDS,
    )


# reporting's monitor policy ------------------------------------------------------------------

_MONITOR_FIELDS = {
    "silentWeeks": ("weken", "Vul een heel aantal weken in, van 1 tot en met 52."),
}


@router.get("/monitorbeleid")
async def monitor_policy(
    request: Request, visit: Admin, opgeslagen: Annotated[int | None, Query(ge=0)] = None
) -> HTMLResponse:
    """reporting's monitor policy in force for the municipality, as a form."""
    municipality = municipality_of(visit)
    if municipality is None:
        return _page(request, visit, "beheer_monitorbeleid.html", None, {})
    policy = await call_as(
        request, visit, "reporting", "GET", f"/beheer/gemeenten/{municipality}/monitorbeleid"
    )
    values = {"weken": str(policy["silentWeeks"])}
    return _page(request, visit, "beheer_monitorbeleid.html", policy, values, saved=opgeslagen)


@router.post("/monitorbeleid")
async def save_monitor_policy(request: Request, visit: Admin, form: CheckedForm) -> Response:
    """Save the form as the municipality's next monitor policy version; reporting checks the
    number (a whole number of weeks, 1 to 52)."""
    weeks = text(form, "weken")
    body = {"silentWeeks": int(weeks) if weeks.isdecimal() else weeks or None}
    return await _save(
        request, visit, form, "reporting", "monitorbeleid", "monitorbeleid", body, _MONITOR_FIELDS
    )


async def _save(
    request: Request,
    visit: Visit,
    form: FormData,
    service: str,
    api: str,
    page: str,
    body: dict[str, Any],
    fields: dict[str, tuple[str, str]],
) -> Response:
    template = f"beheer_{page}.html"
    municipality = municipality_of(visit)
    if municipality is None:
        return _page(request, visit, template, None, {})
    path = f"/beheer/gemeenten/{municipality}/{api}"
    try:
        saved = await call_as(request, visit, service, "PUT", path, json=body)
    except ServiceError as exc:
        if exc.status not in REFUSED:
            raise
        return _page(
            request,
            visit,
            template,
            None,
            typed(form),
            refusal=refused(page, exc, form, fields),
        )
    return RedirectResponse(f"/beheer/{page}?opgeslagen={saved['version']}", status_code=303)
