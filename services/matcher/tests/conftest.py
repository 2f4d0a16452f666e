"""The matcher as a process for its service tests: started once per test module."""

from __future__ import annotations

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
