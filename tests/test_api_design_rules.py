"""Every service's OpenAPI document passes the NL GOV API Design Rules linter (Spectral)."""

from __future__ import annotations

import importlib
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from vroeg.shared.service import create_app
from vroeg.shared.topics import SERVICES

ROOT = Path(__file__).resolve().parents[1]
SPECTRAL = ROOT / "tools/spectral/node_modules/.bin/spectral"
RULESET = ROOT / "tools/spectral/ruleset.yaml"


def openapi_of(service: str) -> dict[str, Any]:
    """The service's published OpenAPI document, built in-process (no infrastructure)."""
    package = f"vroeg.{service.replace('-', '_')}"
    spec = importlib.import_module(f"{package}.app").SPEC
    settings = importlib.import_module(f"{package}.settings").Settings()
    app = create_app(spec, settings)
    [api] = [r.app for r in app.routes if isinstance(r, Mount) and r.path == "/v1"]
    assert isinstance(api, FastAPI)
    return api.openapi()


@pytest.mark.parametrize("service", SERVICES)
def test_the_openapi_document_passes_the_nl_gov_api_design_rules(service: str) -> None:
    if not SPECTRAL.exists():
        pytest.fail("Spectral is missing: ./dev installs it (npm ci in tools/spectral)")
    build = RULESET.parent / "build"
    build.mkdir(exist_ok=True)
    document = build / f"{service}.json"
    document.write_text(json.dumps(openapi_of(service), indent=1))
    result = subprocess.run(
        [
            str(SPECTRAL),
            "lint",
            "--ruleset",
            str(RULESET),
            "--fail-severity",
            "warn",
            "--format",
            "text",
            str(document),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=RULESET.parent,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_can_answer_400_with_a_problem(service: str) -> None:
    # The intent of nlgov:problem-invalid-input, checked exactly (the ruleset's selector
    # also matches example properties such as `postcode`; see tools/spectral/ruleset.yaml).
    for path, operations in openapi_of(service)["paths"].items():
        for method, operation in operations.items():
            problem = operation["responses"]["400"]["content"]["application/problem+json"]
            assert problem["schema"] == {"$ref": "#/components/schemas/ProblemDetails"}, (
                f"{method.upper()} {path}"
            )
