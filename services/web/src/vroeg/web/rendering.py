"""Pages from the Jinja2 templates, with what every page shows: who is signed in, the pages
their roles open, the municipality switch and the sign-out form (with the CSRF token)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from vroeg.web import labels
from vroeg.web.sessions import CSRF_FIELD, Visit

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# Staff read times in the municipality's time zone.
LOCAL = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Section:
    """A part of the app, for the staff with its role; `path` None: not built yet."""

    title: str
    role: str
    path: str | None
    purpose: str


SECTIONS = (
    Section("Uitval", "reviewer", "/uitval", "Signalen die de BRP-controle niet kon toewijzen."),
    Section(
        "Werkvoorraad",
        "vroegsignaleerder",
        "/werkvoorraad",
        "Meldingen op termijn en prioriteit.",
    ),
    Section("Monitor", "analyst", "/monitor", "De indicatoren van de Monitor Vroegsignalering."),
    Section(
        "SHV", "shv-professional", "/shv", "Signalen van inwoners die bekend zijn bij schuldhulp."
    ),
    Section(
        "Beheer", "admin", "/beheer", "Schuldeisers, sleutels, afspraken, beleid en gemeenten."
    ),
)


def templates() -> Jinja2Templates:
    """The template environment (autoescaping on), with the Dutch labels as filters."""
    environment = Jinja2Templates(directory=TEMPLATES)
    environment.env.filters.update(
        local_time=local_time,
        local_date=local_date,
        age=age,
        label=labels.label,
        gemeente=labels.municipality,
        reason=labels.reason,
        deadline_state=labels.deadline_state,
        number=number,
        euro=euro,
    )
    return environment


def local_time(value: datetime | str) -> str:
    """`3 december 2026, 10:15` in Amsterdam time."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(LOCAL)
    return f"{local.day} {labels.MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def local_date(value: str | None) -> str:
    """An ISO date as `3 december 2026`."""
    if not value:
        return "onbekend"
    day = datetime.fromisoformat(value)
    return f"{day.day} {labels.MONTHS[day.month - 1]} {day.year}"


def number(value: str | int | Decimal) -> str:
    """A decimal the Dutch way: `1.234,5` (no trailing zeros)."""
    amount = Decimal(str(value)).normalize()
    text = f"{amount:,f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def euro(value: str | Decimal) -> str:
    """An amount the Dutch way: `€ 1.234,50`."""
    text = f"{Decimal(str(value)):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"€ {text}"


def age(value: str, now: datetime) -> str:
    """How long ago, in words: `12 minuten`, `5 uur`, `3 dagen`."""
    seconds = max(0, int((now - datetime.fromisoformat(value)).total_seconds()))
    for unit, singular, plural in (
        (86400, "dag", "dagen"),
        (3600, "uur", "uur"),
        (60, "minuut", "minuten"),
    ):
        if seconds >= unit:
            count = seconds // unit
            return f"{count} {singular if count == 1 else plural}"
    return "minder dan een minuut"


def render(
    request: Request,
    template: str,
    visit: Visit | None,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page; its sections and the sign-out form follow from the visit."""
    environment: Jinja2Templates = request.app.state.templates
    sections = [s for s in SECTIONS if visit is not None and s.role in visit.roles]
    return environment.TemplateResponse(
        request,
        template,
        {
            "visit": visit,
            "sections": sections,
            "csrf_field": CSRF_FIELD,
            "csrf_token": visit.session.csrf_token if visit else "",
            **context,
        },
        status_code=status,
    )
