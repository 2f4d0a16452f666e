"""Every service's HTTP surface follows the NL GOV API Design Rules; shown on a running intake."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.conftest import Isolation, PlatformFactory
from tests.support.db import fetch
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import ServiceProcess


@pytest.fixture
def intake(make_platform: PlatformFactory) -> ServiceProcess:
    platform = make_platform()
    platform.start(["intake"])
    return platform["intake"]


def body(**overrides: Any) -> dict[str, Any]:
    return {
        **signal_body(
            vlp=("woonstad", "HUUR"),
            reference="http-1",
            kind="VROEGSIGNAAL",
            arrears_type="HUUR",
            geslachtsnaam="Jansen",
            geboortedatum=date(1980, 5, 1),
            postcode="1012AB",
            huisnummer=1,
            today=date(2026, 11, 27),
        ),
        **overrides,
    }


async def _stored(iso: Isolation) -> int:
    return int((await fetch(iso.database_url, "SELECT count(*) AS n FROM intake.signals"))[0]["n"])


async def test_an_unknown_field_is_a_400_problem_and_stores_nothing(
    intake: ServiceProcess, isolation: Isolation
) -> None:
    response = httpx.post(f"{intake.url}/v1/signalen", json=body(bsn="999990019"))
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["API-Version"] == "1.0.0"
    problem = response.json()
    assert (problem["status"], problem["code"]) == (400, "invalid-request")
    assert [p["name"] for p in problem["invalidParams"]] == ["bsn"]
    assert await _stored(isolation) == 0


async def test_a_municipality_not_served_is_refused_with_its_rule(
    intake: ServiceProcess, isolation: Isolation
) -> None:
    response = httpx.post(f"{intake.url}/v1/signalen", json=body(municipality="0599"))
    assert response.status_code == 422
    assert "R-IN-8" in response.json()["detail"]
    assert await _stored(isolation) == 0


async def test_the_same_vlp_reference_twice_gives_the_first_id_and_one_record(
    intake: ServiceProcess, isolation: Isolation
) -> None:
    first = httpx.post(f"{intake.url}/v1/signalen", json=body())
    again = httpx.post(f"{intake.url}/v1/signalen", json=body(amount="999.00"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["Location"] == f"/v1/signalen/{first.json()['id']}"
    assert await _stored(isolation) == 1


def test_openapi_is_published_under_v1(intake: ServiceProcess) -> None:
    spec = httpx.get(f"{intake.url}/v1/openapi.json").json()
    assert "/v1/signalen" in spec["paths"]
    assert spec["info"]["version"] == "1.0.0"


def test_an_unknown_path_is_a_404_problem(intake: ServiceProcess) -> None:
    response = httpx.get(f"{intake.url}/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["API-Version"] == "1.0.0"


def test_health_and_readiness_report_their_checks(intake: ServiceProcess) -> None:
    assert httpx.get(f"{intake.url}/health").json() == {"status": "UP"}
    ready = httpx.get(f"{intake.url}/ready").json()
    assert ready == {"status": "UP", "checks": {"database": True, "broker": True, "consumer": True}}
