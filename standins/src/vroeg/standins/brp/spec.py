"""Query bodies checked against the official BRP Personen v2 OpenAPI document, as the real API
checks them: each wrong parameter is named in `invalidParams` of a 400.

A body is first checked by `jsonschema-rs` (a query in about 2 µs, where `jsonschema` takes
about 100: with two queries a signal, half the stand-in's CPU in a national month);
only one it refuses is checked again by `jsonschema`, whose errors name the parameters.

`openapi.json` beside this module is RvIG's resolved specification (v2.7.0, EUPL-1.2, see
`openapi.LICENCE.md`), shipped unchanged so the stand-in validates without the reference folder.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker, ValidationError
from referencing import Registry, Resource

from vroeg.standins.brp.store import QueryError

SPEC_PATH = Path(__file__).with_name("openapi.json")
REQUEST_MEDIA_TYPE = "application/json; charset=utf-8"  # the only one the spec names
INVALID = "Een of meerdere parameters zijn niet correct."
REQUIRED = "Ten minste één parameter moet worden opgegeven."
# Texts of `InvalidParam.reason`, whose pattern allows letters, digits, '.', ',' and spaces only.
_REASONS = {
    "required": "Parameter is verplicht.",
    "pattern": "Waarde voldoet niet aan het patroon.",
    "format": "Waarde is geen geldige datum.",
    "type": "Waarde heeft niet het juiste type.",
    "minimum": "Waarde is lager dan het minimum.",
    "maximum": "Waarde is hoger dan het maximum.",
    "minItems": "Parameter bevat te weinig waarden.",
    "maxItems": "Parameter bevat te veel waarden.",
}


_DATES = FormatChecker(["date"])


@cache
def _spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return document


def _document() -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **_spec()}


def _schema(query_type: str) -> dict[str, str]:
    # `type` selects the schema (the spec's discriminator, which JSON Schema does not apply).
    target = _spec()["components"]["schemas"]["PersonenQuery"]["discriminator"]["mapping"]
    return {"$ref": f"urn:brp{target[query_type]}"}


@cache
def _validator(query_type: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        "urn:brp", Resource.from_contents(_document())
    )
    return Draft202012Validator(_schema(query_type), registry=registry, format_checker=_DATES)


@cache
def _fast_validator(query_type: str) -> jsonschema_rs.Validator:
    registry = jsonschema_rs.Registry([("urn:brp", _document())])
    # Dates as `jsonschema` checks them (jsonschema-rs takes the year 0000 for one).
    return jsonschema_rs.validator_for(
        _schema(query_type),
        registry=registry,
        validate_formats=True,
        formats={"date": lambda value: _DATES.conforms(value, "date")},
    )


def query_types() -> frozenset[str]:
    """The `type` values the spec defines."""
    mapping = _spec()["components"]["schemas"]["PersonenQuery"]["discriminator"]["mapping"]
    return frozenset(mapping)


def validate_query(body: dict[str, Any]) -> None:
    """Raise QueryError naming every parameter the official schema refuses."""
    query_type = body.get("type")
    if not isinstance(query_type, str) or query_type not in query_types():
        wrong_type = {"name": "type", "code": "value", "reason": "Waarde is geen geldig zoek type."}
        raise QueryError(INVALID, [wrong_type])
    fast = _fast_validator(query_type)
    try:
        if fast.is_valid(body):
            return
    except ValueError:  # text it cannot take (a lone surrogate): jsonschema says what is wrong
        pass
    errors = sorted(_validator(query_type).iter_errors(body), key=lambda e: e.json_path)
    if not errors:
        return
    params = [_param(e) for e in errors]
    title = REQUIRED if all(p["code"] == "required" for p in params) else INVALID
    raise QueryError(title, params)


def _param(error: ValidationError) -> dict[str, str]:
    kind = str(error.validator)
    if kind == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        required = error.validator_value if isinstance(error.validator_value, list) else []
        name = next((str(p) for p in required if p not in instance), "body")
    else:
        # The parameter, not a list position (`burgerservicenummer`, not `burgerservicenummer.0`).
        name = ".".join(str(p) for p in error.path if not isinstance(p, int)) or "body"
    code = str(error.validator_value) if kind == "type" else kind
    if kind == "format":
        code = "date"
    return {"name": name, "code": code, "reason": _REASONS.get(kind, "Waarde is ongeldig.")}
