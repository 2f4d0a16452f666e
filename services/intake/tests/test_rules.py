"""Intake rules (domain §4)."""

from __future__ import annotations

import pytest

from vroeg.intake.rules import check_tenant
from vroeg.shared.http import Problem


def test_a_served_municipality_passes() -> None:
    check_tenant("0363", frozenset({"0363", "0518"}))


def test_a_municipality_this_deployment_does_not_serve_is_refused() -> None:
    with pytest.raises(Problem) as refused:
        check_tenant("0599", frozenset({"0363"}))
    assert (refused.value.status, refused.value.code) == (422, "unknown-municipality")
