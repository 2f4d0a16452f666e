"""The Werkvoorraad's forms: what each posts to followup, and what a refusal tells the
vroegsignaleerder in Dutch (the field to correct, or the rule that stands in the way), so the
case page can show it beside the form with what they typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from vroeg.web.labels import label
from vroeg.web.services import ServiceError

Body = dict[str, Any]


@dataclass(frozen=True)
class CaseForm:
    """One form of the case page: how it is called, how followup is asked, what it confirms."""

    name: str
    method: str
    path: str  # under /meldingen/{case_id}
    body: Callable[[FormData, str], Body]  # the form and the signed-in user's name
    done: str  # the confirmation the case page shows after it
    section: str  # the part of the case page it belongs to (its heading's id: `{section}-kop`)


@dataclass
class Refusal:
    """A form followup refused: which, what to tell, the fields to mark, what was typed."""

    form: str
    status: int
    errors: list[str]
    invalid: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _given(**values: Any) -> Body:
    """The body without the fields left empty (followup then names what is missing)."""
    return {k: v for k, v in values.items() if v not in ("", None)}


def _attempt(form: FormData, _: str) -> Body:
    return _given(
        kind=_text(form, "soort"),
        attemptedOn=_text(form, "datum"),
        partOfDay=_text(form, "dagdeel"),
        result=_text(form, "resultaat"),
    )


def _reply(form: FormData, _: str) -> Body:
    return _given(repliedOn=_text(form, "datum"))


def _outcome(form: FormData, user: str) -> Body:
    body = _given(
        category=_text(form, "categorie"),
        detail=_text(form, "detail"),
        reason=_text(form, "reden"),
    )
    if _text(form, "toestemming"):
        body["consent"] = _given(
            recordedBy=user, on=_text(form, "toestemming_datum"), how=_text(form, "toestemming_hoe")
        )
    return body


def _note(form: FormData, _: str) -> Body:
    return _given(text=_text(form, "tekst"))


def _circumstances(form: FormData, _: str) -> Body:
    return {
        "beschermingsbewind": bool(_text(form, "beschermingsbewind")),
        "curatele": bool(_text(form, "curatele")),
    }


def _reopen(form: FormData, _: str) -> Body:
    return _given(reason=_text(form, "reden"))


FORMS = {
    form.name: form
    for form in (
        CaseForm(
            "contactpoging",
            "POST",
            "/contactpogingen",
            _attempt,
            "De contactpoging is vastgelegd.",
            "contactpoging",
        ),
        CaseForm(
            "reactie",
            "PATCH",
            "/contactpogingen/{attempt}",
            _reply,
            "De reactie is vastgelegd.",
            "contactpoging",
        ),
        CaseForm(
            "uitkomst",
            "POST",
            "/uitkomst",
            _outcome,
            "De uitkomst is vastgelegd en de melding is gesloten.",
            "uitkomst",
        ),
        CaseForm("notitie", "POST", "/notities", _note, "De notitie is opgeslagen.", "notitie"),
        CaseForm(
            "omstandigheden",
            "PUT",
            "/omstandigheden",
            _circumstances,
            "De omstandigheden zijn opgeslagen.",
            "omstandigheden",
        ),
        CaseForm(
            "heropening", "POST", "/heropening", _reopen, "De melding is heropend.", "uitkomst"
        ),
    )
}

# What to correct, by the field followup names in `invalidParams`: (the form's field, text).
_FIELDS = {
    "kind": ("soort", "Kies hoe u contact zocht."),
    "attemptedOn": ("datum", "Vul de datum van de poging in."),
    "partOfDay": ("dagdeel", "Kies een dagdeel, of laat het leeg."),
    "result": ("resultaat", "Kies of u de inwoner hebt bereikt."),
    "repliedOn": ("datum", "Vul de datum in waarop de reactie binnenkwam."),
    "category": ("categorie", "Kies een uitkomst."),
    "detail": ("detail", "Kies een nadere uitkomst uit de lijst."),
    "reason": ("reden", "Vul een reden in (ten hoogste 200 tekens, op één regel)."),
    "consent.on": ("toestemming_datum", "Vul de datum van de toestemming in."),
    "consent.how": (
        "toestemming_hoe",
        "Vul in hoe de toestemming is gegeven (ten hoogste 200 tekens, op één regel).",
    ),
    "text": ("tekst", "Schrijf een notitie van ten hoogste 4000 tekens."),
}

_CODE = r"([A-Z_]+)"
# followup's rule refusals (its `detail`): the form's field to mark, if one, and the refusal in
# Dutch (codes in it become their labels).
_RULES: tuple[tuple[re.Pattern[str], str | None, Callable[..., str]], ...] = (
    (
        re.compile(rf"{_CODE} needs a detail: one of .*"),
        "detail",
        lambda c: f"Bij ‘{label(c)}’ hoort een nadere uitkomst: kies er een uit de lijst.",
    ),
    (
        re.compile(rf"{_CODE} is not a detail of {_CODE}: .*"),
        "detail",
        lambda d, c: (
            f"‘{label(d)}’ hoort niet bij ‘{label(c)}’: kies een nadere uitkomst die "
            "bij de uitkomst past."
        ),
    ),
    (
        re.compile(r"a reason and the consent to tell the creditor belong to WIL_GEEN_HULP"),
        "reden",
        lambda: (
            "Een reden en toestemming om de schuldeiser te informeren horen alleen bij "
            "‘Wil geen hulp’."
        ),
    ),
    (
        re.compile(r"BEKEND_BIJ_SHV is for a resident who receives debt help now .*"),
        None,
        lambda: (
            "‘Bekend bij schuldhulp’ kan alleen als de inwoner nu schuldhulp krijgt. Na een "
            "eindbesluit legt u vast wat het contact opleverde."
        ),
    ),
    (
        re.compile(rf"{_CODE} needs a contact attempt that reached the resident"),
        None,
        lambda d: (
            f"‘{label(d)}’ kan pas als een contactpoging de inwoner heeft bereikt. "
            "Leg die poging eerst vast."
        ),
    ),
    (
        re.compile(r"GEEN_CONTACT, but an attempt reached the resident: GEEN_REACTIE\?"),
        "detail",
        lambda: (
            "Een contactpoging heeft de inwoner bereikt, dus ‘Geen contact gekregen’ klopt "
            "niet. Bedoelt u ‘Geen reactie na contact’?"
        ),
    ),
    (
        re.compile(r"the debtor died: .*"),
        None,
        lambda: (
            "De inwoner is overleden: leg eerst in een notitie vast of er hulp gaat naar "
            "het huishouden of de erfgenamen, en sluit dan de melding."
        ),
    ),
    (
        re.compile(r"attempts are registered on an open case; reopen it first"),
        None,
        lambda: "Deze melding is gesloten. Heropen haar eerst om een contactpoging vast te leggen.",
    ),
    (
        re.compile(r"an attempt cannot be registered before it happened"),
        "datum",
        lambda: (
            "De datum van de poging ligt in de toekomst. Leg een poging vast als zij is gedaan."
        ),
    ),
    (
        re.compile(r"only a letter or card gets a reply recorded on it"),
        None,
        lambda: "Alleen op een brief of kaart kan een reactie worden vastgelegd.",
    ),
    (
        re.compile(r"a reply comes after its letter and not in the future"),
        "datum",
        lambda: "De reactie moet na de brief zijn binnengekomen en niet in de toekomst liggen.",
    ),
    (
        re.compile(r"beschermingsbewind and curatele exclude each other.*"),
        None,
        lambda: "Beschermingsbewind en curatele sluiten elkaar uit: kies er één.",
    ),
    (
        # followup writes "reopend" today; "reopened" is read as well.
        re.compile(r"a (open|closed) case cannot be (closed|reopend|reopened)"),
        None,
        lambda status, action: (
            "Deze melding is al open en kan niet worden heropend."
            if status == "open"
            else "Deze melding is al gesloten."
        ),
    ),
)
# … and its conflicts by their code.
_CONFLICTS = {"closed": "Deze melding is al gesloten; er is geen uitkomst meer vast te leggen."}
_NOT_DONE = "Dit is niet vastgelegd."


def rule_message(detail: str) -> tuple[str, set[str]]:
    """A rule refusal's `detail` in Dutch (one not known here as it came, after a Dutch lead),
    and the form's field it is about."""
    for pattern, form_field, dutch in _RULES:
        if match := pattern.fullmatch(detail):
            return str(dutch(*match.groups())), {form_field} if form_field else set()
    return f"{_NOT_DONE} De regels staan het niet toe: {detail}", set()


def refusal(
    form: str,
    refused: ServiceError,
    values: FormData,
    fields: dict[str, tuple[str, str]] = _FIELDS,
) -> Refusal:
    """What the page tells about a refused form, keeping what was typed; `fields` maps the
    fields followup names to the form's, with what to correct."""
    typed = {k: v for k, v in values.items() if isinstance(v, str) and k != "csrf_token"}
    if refused.status == 400:
        named = [fields[n] for n in sorted(refused.invalid_fields()) if n in fields]
        errors = [text for _, text in named] or [f"{_NOT_DONE} Controleer wat u invulde."]
        return Refusal(form, 400, errors, {name for name, _ in named}, typed)
    if refused.status == 409 and refused.code in _CONFLICTS:
        return Refusal(form, 409, [_CONFLICTS[refused.code]], set(), typed)
    message, marked = rule_message(str(refused.problem.get("detail") or ""))
    return Refusal(form, refused.status, [message], marked, typed)
