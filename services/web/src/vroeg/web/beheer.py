"""What the Beheer pages (role admin) share: the role check, the municipality a page
administers, and a refused form told in Dutch beside it with what was typed. Each page goes
through the owning service's `/v1/beheer/…` API with the operator's own token."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends
from starlette.datastructures import FormData

from vroeg.web.case_forms import Refusal
from vroeg.web.services import ServiceError
from vroeg.web.sessions import Visit, requires_role

ADMIN = "admin"
Admin = Annotated[Visit, Depends(requires_role(ADMIN))]
NOT_SAVED = "Dit is niet opgeslagen."
# The statuses a Beheer form shows beside itself; any other is an error page.
REFUSED = frozenset({400, 404, 409, 422})
_LIST_ITEM = re.compile(r"\.\d+$")


def municipality_of(visit: Visit) -> str | None:
    """The municipality the operator administers now: the one chosen, or their only one (None:
    they work for several and chose all)."""
    if visit.session.municipality:
        return visit.session.municipality
    return visit.municipalities[0] if len(visit.municipalities) == 1 else None


def text(form: FormData, name: str) -> str:
    """A form field, trimmed (empty when absent)."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")


def decimal_from_dutch(value: str) -> str:
    """A number as typed the Dutch way (`1.250,5`, `1.500`, `12,5`; `12.5` is read as typed)
    as the APIs take it (`1250.5`, `1500`, `12.5`)."""
    if "," in value or _THOUSANDS.fullmatch(value):
        return value.replace(".", "").replace(",", ".")
    return value


def dutch_decimal(value: object) -> str:
    """A number from an API as the form shows it (`12.5`: `12,5`)."""
    return str(value).replace(".", ",")


def typed(form: FormData) -> dict[str, str]:
    """What the operator typed, to show again."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def refused(
    form_name: str,
    error: ServiceError,
    form: FormData,
    fields: Mapping[str, tuple[str, str]],
    codes: Mapping[str, tuple[str, str]] | None = None,
) -> Refusal:
    """A refusal of a Beheer form: a 400's fields (`invalidParams`, mapped by `fields` to the
    form's field and what to correct), or the problem's code (`codes`: the form's field it is
    about, or empty, and the refusal in Dutch)."""
    if error.status == 400:
        # A list's item counts as the list unless `fields` names the item (`areas.3`: `areas`).
        names = [n if n in fields else _LIST_ITEM.sub("", n) for n in error.invalid_fields()]
        named = [fields[n] for n in sorted(names) if n in fields]
        errors = sorted({t for _, t in named}) or [f"{NOT_SAVED} Controleer wat u invulde."]
        return Refusal(form_name, 400, errors, {f for f, _ in named}, typed(form))
    detail = str(error.problem.get("detail") or "Probeer het opnieuw.")
    field, message = (codes or {}).get(error.code, ("", f"{NOT_SAVED} {detail}"))
    return Refusal(form_name, error.status, [message], {field} - {""}, typed(form))


def local_refusal(form_name: str, form: FormData, field: str, message: str) -> Refusal:
    """A form refused here, before any service is asked (e.g. an id that cannot be one)."""
    return Refusal(form_name, 400, [message], {field}, typed(form))
