"""The CBS (DDAS) export as the tests ask for it and check it: VNG's official schema (with
formats checked), and a delivery asked of the matcher."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from jsonschema import Draft202012Validator, FormatChecker

from tests.support.fixtures import staff_headers
from vroeg.deploy.processes import Platform

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "../shared/ref/ddas-vroegsignalering-v0.9/json_schema_Uitwisselmodel.json"
)
VALIDATOR = Draft202012Validator(json.loads(SCHEMA.read_text()), format_checker=FormatChecker())


def export(
    platform: Platform,
    account: str | None,
    *,
    municipality: str = "0363",
    startdatum: str,
    einddatum: str,
) -> httpx.Response:
    """`GET /v1/gemeenten/{municipality}/cbs-levering` of the matcher, as `account` (a user of
    the identity-provider stand-in) or without a token."""
    return httpx.get(
        f"{platform['matcher'].url}/v1/gemeenten/{municipality}/cbs-levering",
        params={"startdatum": startdatum, "einddatum": einddatum},
        headers=staff_headers(platform, account) if account else {},
    )
