"""Bad input at intake's edge is a 4xx problem, never a 500, and cannot exhaust memory
(issue 8, items 15 and 16): bodies capped while they stream in, the caller known before the
body is read, nesting bounded, error lists bounded, no value sent echoed back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.db import fetch
from tests.support.fixtures import Isolation
from vroeg.deploy.demo import signal_body
from vroeg.deploy.processes import ServiceProcess
from vroeg.deploy.provisioning import DEVELOPMENT_ADMIN_KEY

ADMIN = {"X-Api-Key": DEVELOPMENT_ADMIN_KEY}
MIB = 1024 * 1024
PROBLEM = "application/problem+json"


def body(reference: str = "ref-1") -> dict[str, Any]:
    return signal_body(
        reference=reference,
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        geslachtsnaam="Jansen",
        geboortedatum=date(1980, 5, 1),
        postcode="1012AB",
        huisnummer=1,
        today=date.today(),
    )


def padded(size: int) -> bytes:
    """A JSON signal padded to `size` bytes."""
    text = json.dumps(body())
    return (text[:-1] + ', "pad": "' + "x" * (size - len(text) - 10) + '"}').encode()


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def stored(iso: Isolation) -> list[Any]:
    return await fetch(iso.database_url, "SELECT * FROM intake.signals")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
async def test_a_body_over_one_mib_is_a_413_problem_and_stores_nothing(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation, streamed: bool
) -> None:
    data = padded(MIB + 64 * 1024)
    content = chunks(data) if streamed else data
    response = httpx.post(
        f"{intake.url}/v1/signalen",
        content=content,
        headers={**key, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert response.headers["API-Version"] == "1.0.0"
    assert await stored(isolation) == []


async def test_a_too_large_body_without_credentials_is_a_413_problem_unread(
    intake: ServiceProcess,
) -> None:
    response = httpx.post(
        f"{intake.url}/v1/signalen",
        content=padded(2 * MIB),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413)


async def test_the_batch_route_has_its_own_larger_cap(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation
) -> None:
    records = {"signalen": [body(f"r{i}") for i in range(2_500)]}
    data = json.dumps(records).encode()
    assert len(data) > MIB
    response = httpx.post(
        f"{intake.url}/v1/signalen/batches",
        content=chunks(data),
        headers={**key, "Content-Type": "application/json"},
        timeout=120,
    )
    assert response.status_code == 201, response.text
    assert response.json()["ontvangen"] == 2_500
    too_large = b'{"signalen": [' + b" " * (33 * MIB) + b"]}"
    refused = httpx.post(
        f"{intake.url}/v1/signalen/batches",
        content=chunks(too_large, MIB),
        headers={**key, "Content-Type": "application/json"},
        timeout=120,
    )
    assert_problem(refused, 413)
    assert len(await stored(isolation)) == 2_500


@pytest.mark.parametrize("depth", [40, 100_000])
@pytest.mark.parametrize("route", ["/v1/signalen/batches", "/v1/signalen"])
async def test_deeply_nested_json_is_a_400_problem(
    intake: ServiceProcess, key: dict[str, str], isolation: Isolation, route: str, depth: int
) -> None:
    nested = "[" * depth + "]" * depth
    record = json.dumps(body())[:-1] + f', "extra": {nested}}}'
    content = f'{{"signalen": [{record}]}}' if route.endswith("batches") else record
    response = httpx.post(
        f"{intake.url}{route}",
        content=content.encode(),
        headers={**key, "Content-Type": "application/json"},
    )
    assert_problem(response, 400)
    assert await stored(isolation) == []


@pytest.mark.parametrize(
    ("route", "content"),
    [
        ("/v1/signalen", b"{not json"),
        ("/v1/signalen", b"[" * 100_000),
        ("/v1/signalen/batches", b"{not json"),
        ("/v1/doorgestuurde-signalen", b"{not json"),
        ("/v1/beheer/vlps", b"{not json"),
    ],
    ids=["signal", "signal-nested", "batch", "forwarded", "admin"],
)
def test_the_caller_is_authenticated_before_the_body_is_parsed(
    intake: ServiceProcess, route: str, content: bytes
) -> None:
    response = httpx.post(
        f"{intake.url}{route}", content=content, headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 401)


@pytest.mark.parametrize(
    "header",
    ["vroeg_é.ü", "vroeg_0000000000000000.geheim-ß", "¡admin!"],
    ids=["creditor-key-id", "creditor-secret", "admin-key"],
)
@pytest.mark.parametrize("route", ["/v1/signalen", "/v1/beheer/vlps"])
def test_a_non_ascii_key_is_a_401_problem(intake: ServiceProcess, route: str, header: str) -> None:
    response = httpx.post(
        f"{intake.url}{route}",
        json={},
        headers={"X-Api-Key": header.encode("utf-8")},  # type: ignore[dict-item]
    )
    assert_problem(response, 401)


async def test_a_non_ascii_certificate_header_is_a_401_problem(
    intake: ServiceProcess, isolation: Isolation
) -> None:
    httpx.post(
        f"{intake.url}/v1/beheer/vlps",
        headers=ADMIN,
        json={"id": "evides", "name": "Evides", "type": "DRINKWATER"},
    ).raise_for_status()
    bound = httpx.post(
        f"{intake.url}/v1/beheer/vlps/evides/sleutels",
        headers=ADMIN,
        json={"clientCertSha256": "ab" * 32},
    ).json()["apiKey"]
    response = httpx.post(
        f"{intake.url}/v1/signalen",
        json={**body(), "arrearsType": "DRINKWATER"},
        headers={"X-Api-Key": bound, "X-Client-Cert-Sha256": "é".encode() * 32},  # type: ignore[dict-item]
    )
    assert_problem(response, 401)
    assert await stored(isolation) == []


async def test_a_records_error_list_is_bounded(intake: ServiceProcess, key: dict[str, str]) -> None:
    noisy = {**body(), **{f"field{i}": i for i in range(2_000)}}
    single = httpx.post(f"{intake.url}/v1/signalen", json=noisy, headers=key)
    assert 0 < len(assert_problem(single, 400)["invalidParams"]) <= 20
    batch = httpx.post(
        f"{intake.url}/v1/signalen/batches", json={"signalen": [noisy, body()]}, headers=key
    )
    assert batch.status_code == 201, batch.text
    [bad, good] = batch.json()["results"]
    assert bad["status"] == "ONGELDIG"
    assert 0 < len(bad["errors"]) <= 20
    assert good["status"] == "ONTVANGEN"


async def test_a_validation_problem_names_fields_never_the_values_sent(
    intake: ServiceProcess, key: dict[str, str]
) -> None:
    marker = "Xq7Jansenbsn999990019"
    policy = httpx.put(
        f"{intake.url}/v1/beheer/gemeenten/0363/beleid",
        headers=ADMIN,
        json={"thresholds": {marker: "1.00"}},
    )
    assert_problem(policy, 400)
    record = {**body(), "signalDate": f"{marker}-01-01", "oldestDueDate": marker}
    single = httpx.post(f"{intake.url}/v1/signalen", json=record, headers=key)
    assert_problem(single, 400)
    batch = httpx.post(
        f"{intake.url}/v1/signalen/batches", json={"signalen": [record]}, headers=key
    )
    for response in (policy, single, batch):
        assert marker not in response.text
        assert "Xq7" not in response.text
    assert marker not in intake.tail(1_000_000)
