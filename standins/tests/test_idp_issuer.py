"""The identity-provider stand-in names the issuer its clients reach it at (in a cluster it
listens on 0.0.0.0 and is reached by its Service's name)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from vroeg.deploy.processes import IDP_STANDIN, ServiceProcess, free_port

StartIdp = Callable[[dict[str, str]], ServiceProcess]


@pytest.fixture
def start_idp(tmp_path: Path) -> Iterator[StartIdp]:
    started: list[ServiceProcess] = []

    def start(env: dict[str, str]) -> ServiceProcess:
        process = ServiceProcess(IDP_STANDIN, free_port(), env, tmp_path / "idp.log")
        started.append(process)
        process.start()
        process.wait_ready(30)
        return process

    yield start
    for process in started:
        process.stop()


def discovery(process: ServiceProcess) -> dict[str, str]:
    response = httpx.get(f"{process.url}/.well-known/openid-configuration", timeout=5)
    response.raise_for_status()
    return dict(response.json())


def test_the_issuer_is_the_configured_url(start_idp: StartIdp) -> None:
    idp = start_idp({"VROEG_IDP_ISSUER": "http://vroeg-idp-standin:8091"})
    document = discovery(idp)
    assert document["issuer"] == "http://vroeg-idp-standin:8091"
    assert document["jwks_uri"] == "http://vroeg-idp-standin:8091/jwks"


def test_the_issuer_is_where_it_listens_by_default(start_idp: StartIdp) -> None:
    idp = start_idp({})
    assert discovery(idp)["issuer"] == idp.url
