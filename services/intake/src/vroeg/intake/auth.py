"""Who is calling: creditors and municipalities by API key, checked by the shared
`vroeg.shared.creditor_keys` against intake's `creditor_keys` table; operators by an OpenID
Connect token with role `admin` (the static administrator key only bootstraps, outside
production).
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from vroeg.intake.settings import Settings
from vroeg.shared.creditor_keys import (
    API_KEY_HEADER,
    KeyHolder,
    api_key_header,
    authenticate,
    equal,
    unauthorized,
)
from vroeg.shared.deps import RuntimeDep
from vroeg.shared.events import KeyHolderKind
from vroeg.shared.http import Problem
from vroeg.shared.staff import Role, requires

admin_bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="An operator's access token (role admin) from the identity provider.",
)


def settings_of(runtime: RuntimeDep) -> Settings:
    """intake's settings."""
    return cast(Settings, runtime.settings)


SettingsDep = Annotated[Settings, Depends(settings_of)]


async def require_vlp(holder: Annotated[KeyHolder, Depends(authenticate)]) -> KeyHolder:
    """A creditor, or 403."""
    if holder.kind != KeyHolderKind.VLP:
        raise Problem(HTTPStatus.FORBIDDEN, code="not-a-creditor", title="Only creditors may.")
    return holder


async def require_municipality(
    holder: Annotated[KeyHolder, Depends(authenticate)],
) -> KeyHolder:
    """A municipality, or 403."""
    if holder.kind != KeyHolderKind.MUNICIPALITY:
        raise Problem(
            HTTPStatus.FORBIDDEN, code="not-a-municipality", title="Only municipalities may."
        )
    return holder


@dataclass(frozen=True)
class Operator:
    """Who administers: a staff member with role `admin`, or the bootstrap key."""

    actor: str
    # The municipalities whose things the operator may change; None: every one (bootstrap).
    municipalities: frozenset[str] | None

    def ensure_serves(self, municipality: str) -> None:
        """403 unless the operator administers for the municipality (`gemeenten` claim)."""
        if self.municipalities is not None and municipality not in self.municipalities:
            raise Problem(
                HTTPStatus.FORBIDDEN,
                code="forbidden",
                title="Forbidden",
                detail=f"You do not administer for municipality {municipality}.",
            )


BOOTSTRAP_ACTOR = "bootstrap-admin-key"
_admin_member = requires(Role.ADMIN)


async def authenticate_admin(request: Request) -> Operator:
    """The operator: an OpenID Connect access token with role `admin`, or (outside production)
    the bootstrap key `VROEG_ADMIN_API_KEY`; else 401 or 403 (route guard, once a request)."""
    known: Operator | None = getattr(request.state, "operator", None)
    if known is not None:
        return known
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if token and scheme.lower() == "bearer":
        credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=token)
        member = await _admin_member(request, credentials)
        operator = Operator(f"oidc:{member.subject}", member.municipalities)
    else:
        settings = cast(Settings, request.app.state.runtime.settings)
        api_key = request.headers.get(API_KEY_HEADER)
        if settings.environment == "production":
            # Production always has its issuer (settings refuse the stand-in): operators sign in.
            raise unauthorized("Sign in as an operator: Authorization: Bearer with role admin.")
        if not api_key or not equal(api_key, settings.admin_api_key.get_secret_value()):
            raise unauthorized(
                "Send an access token with role admin, or the administrator key in X-Api-Key."
            )
        operator = Operator(BOOTSTRAP_ACTOR, None)
    request.state.operator = operator
    return operator


async def require_admin(
    request: Request,
    _: Annotated[str | None, Depends(api_key_header)],
    __: Annotated[HTTPAuthorizationCredentials | None, Depends(admin_bearer)],
) -> Operator:
    """The operator (the parameters put both schemes in the OpenAPI document)."""
    return await authenticate_admin(request)


VlpDep = Annotated[KeyHolder, Depends(require_vlp)]
MunicipalityDep = Annotated[KeyHolder, Depends(require_municipality)]
OperatorDep = Annotated[Operator, Depends(require_admin)]
