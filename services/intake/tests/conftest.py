"""Fixtures of intake's HTTP tests: intake alone on the real broker and database."""

from __future__ import annotations

import pytest

from tests.support.fixtures import PlatformFactory, creditor_key
from vroeg.deploy.processes import ServiceProcess


@pytest.fixture
def intake(make_platform: PlatformFactory) -> ServiceProcess:
    """intake running on its own database and topic prefix."""
    platform = make_platform()
    platform.start(["intake"])
    return platform["intake"]


@pytest.fixture
async def key(intake: ServiceProcess) -> dict[str, str]:
    """A creditor's key header (woonstad, HUUR, agreement for 0363)."""
    return {"X-Api-Key": await creditor_key(intake.url)}
