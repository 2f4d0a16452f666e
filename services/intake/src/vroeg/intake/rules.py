"""intake's decisions, as pure functions (domain §4)."""

from __future__ import annotations

from http import HTTPStatus

from vroeg.shared.http import Problem


def check_tenant(municipality: str, served: frozenset[str]) -> None:
    """R-IN-8: the target municipality must be one this deployment serves."""
    if municipality not in served:
        raise Problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            code="unknown-municipality",
            title="This deployment does not serve that municipality.",
            detail=f"Municipality {municipality} is not served here (R-IN-8).",
        )
