"""The matcher as a process for its service tests: started once per test module."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.cases import MatcherUnderTest
from tests.support.fixtures import isolated, platform_for
from vroeg.deploy import infra


@pytest.fixture(scope="module")
def matcher(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MatcherUnderTest]:
    """The matcher, the identity provider and feedback on their own database and topics;
    every test of the module works on households of its own."""
    with isolated(endpoints) as iso:
        platform = platform_for(iso, tmp_path_factory.mktemp("matcher"))
        try:
            platform.start(["idp-standin", "matcher", "feedback"])
            yield MatcherUnderTest(iso, platform)
        finally:
            platform.stop()


# The CBS export's accounts: only `cbs-export` may export (domain §10).
CBS_ACCOUNTS = {
    "cbs-0363": (["cbs-export"], ["0363"]),
    "cbs-0518": (["cbs-export"], ["0518"]),
    "cbs-ssc": (["cbs-export"], ["0363", "0518"]),
    "analyst-0363": (["analyst"], ["0363"]),
    "admin-0363": (["admin"], ["0363"]),
    "vroegsignaleerder-0363": (["vroegsignaleerder"], ["0363"]),
}


@pytest.fixture(scope="module")
def exporter(
    endpoints: infra.Endpoints, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MatcherUnderTest]:
    """The matcher and the identity provider (with the CBS export's accounts) on their own
    database and topics; its retention job runs every half second."""
    directory = tmp_path_factory.mktemp("cbs-export")
    users = [
        {"username": u, "password": u, "name": u, "roles": r, "gemeenten": g}
        for u, (r, g) in CBS_ACCOUNTS.items()
    ]
    (directory / "users.json").write_text(json.dumps(users))
    with isolated(endpoints) as iso:
        platform = platform_for(
            iso,
            directory,
            {"VROEG_MUNICIPALITIES": "0363,0518", "VROEG_RETENTION_INTERVAL_S": "0.5"},
        )
        platform["idp-standin"].env["VROEG_IDP_USERS"] = str(directory / "users.json")
        try:
            platform.start(["idp-standin", "matcher"])
            yield MatcherUnderTest(iso, platform)
        finally:
            platform.stop()
