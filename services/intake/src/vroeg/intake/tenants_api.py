"""intake's tenant registry (domain §10): which municipalities this deployment serves, and
where the others' vroeg deployments are reached. It replaces the `VROEG_MUNICIPALITIES`
setting: a municipality added here is served at once (R-IN-8), in this process by the
administration's own transaction, in every other service by `TenantChanged` on a compacted topic
(`vroeg.shared.tenants`).

Who may change it (operators sign in with role `admin`; their `gemeenten` claim scopes them):

- a municipality served here: an operator who administers *that* municipality. The identity
  provider says who administers which municipality; a regional centre adds one by giving its
  operators the new code, then entering it here. A fresh deployment gets its first tenant the
  same way, with no bootstrap setting (in development and test, the bootstrap key may too).
- a municipality served elsewhere (where this deployment sends personal data, and which CA it
  trusts there): a deployment operator, one who administers every municipality served here.

Any staff member may ask which of their municipalities this deployment serves
(`GET /v1/gemeenten`: codes only), so the staff web app offers only those.

Every change is audited in `intake.audit_log`, never with a key. The keys are sealed here, before
they are stored or published (`vroeg.shared.registry_keys`); intake never opens them.
"""

from __future__ import annotations

import ssl
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from vroeg.intake import repository
from vroeg.intake.admin_api import Municipality
from vroeg.intake.auth import (
    Operator,
    OperatorDep,
    SettingsDep,
    authenticate_admin,
    require_admin,
)
from vroeg.intake.schemas import ServedOut, TenantIn, TenantOut
from vroeg.shared import tenants
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import TenantChanged, now_utc
from vroeg.shared.http import (
    InvalidParam,
    Problem,
    guarded_route,
    invalid_request,
    problem_responses,
)
from vroeg.shared.registry_keys import Keyring
from vroeg.shared.settings import DEVELOPMENT_ENVIRONMENTS
from vroeg.shared.staff import Role, StaffMember, requires

# The administrator is known before a byte of the body is read.
router = APIRouter(
    prefix="/beheer",
    tags=["beheer"],
    dependencies=[Depends(require_admin)],
    route_class=guarded_route(authenticate_admin),
)
_ERRORS = problem_responses(400, 401, 403, 404)
# What any staff member reads of the registry: no `/beheer`, no admin role.
staff_router = APIRouter(tags=["gemeenten"])


@staff_router.get(
    "/gemeenten",
    summary="Which of the caller's municipalities this deployment serves.",
    responses=problem_responses(401, 403),
)
async def served_for_caller(
    uow: UnitOfWorkDep, member: Annotated[StaffMember, Depends(requires(*Role))]
) -> ServedOut:
    """The caller's `gemeenten` claim, less what the registry does not serve here."""
    served = await tenants.served(uow.session)
    return ServedOut(municipalities=sorted(served & member.municipalities))


@router.get(
    "/gemeenten",
    summary="The tenant registry: every municipality this deployment serves or reaches.",
    responses=_ERRORS,
)
async def list_tenants(uow: UnitOfWorkDep, operator: OperatorDep) -> list[TenantOut]:
    """Every entry, by CBS code; the API keys are never shown."""
    return [_out(entry) for entry in await tenants.entries(uow.session)]


@router.get(
    "/gemeenten/{municipality}",
    summary="One municipality's entry in the tenant registry.",
    responses=_ERRORS,
)
async def get_tenant(
    municipality: Municipality, uow: UnitOfWorkDep, operator: OperatorDep
) -> TenantOut:
    """Not in the registry: 404."""
    entry = await tenants.entry(uow.session, municipality)
    if entry is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="Not in the registry.")
    return _out(entry)


@router.put(
    "/gemeenten/{municipality}",
    summary="Enter or change a municipality in the tenant registry (no restart needed).",
    responses=_ERRORS,
)
async def put_tenant(
    municipality: Municipality,
    body: TenantIn,
    uow: UnitOfWorkDep,
    operator: OperatorDep,
    settings: SettingsDep,
) -> TenantOut:
    """Served here at once (R-IN-8). The entry is replaced whole, except the keys when the
    body omits them: those set before are kept."""
    _check(body, development=settings.environment in DEVELOPMENT_ENVIRONMENTS)
    before = await tenants.entry(uow.session, municipality)
    await _ensure_may_change(uow, operator, municipality, before, served_here=body.served_here)
    event = TenantChanged(
        municipality=municipality,
        occurred_at=now_utc(),
        served_here=body.served_here,
        intake_url=body.intake_url,
        ca_certificate=body.ca_certificate,
        feedback_url=body.feedback_url,
        sealed_api_keys=_sealed_keys(body, before, settings.registry_keyring),
        changed_at=now_utc(),
    )
    await tenants.record(uow.session, event)
    await uow.publish(event)
    details = {
        "servedHere": body.served_here,
        "intakeUrl": body.intake_url,
        "caCertificate": body.ca_certificate is not None,
        "feedbackUrl": body.feedback_url,
        "apiKeysFor": sorted(event.sealed_api_keys),
        "apiKeysKept": "api_keys" not in body.model_fields_set,
    }
    await _audit(uow, operator, "tenant-saved", municipality, details)
    entry = await tenants.entry(uow.session, municipality)
    assert entry is not None
    return _out(entry)


@router.delete(
    "/gemeenten/{municipality}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a municipality from the tenant registry.",
    responses=_ERRORS,
)
async def delete_tenant(
    municipality: Municipality, uow: UnitOfWorkDep, operator: OperatorDep
) -> Response:
    """No longer served here (R-IN-8: its signals are refused) nor reached elsewhere."""
    before = await tenants.entry(uow.session, municipality)
    if before is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="Not in the registry.")
    await _ensure_may_change(uow, operator, municipality, before, served_here=before.served_here)
    now = now_utc()
    event = TenantChanged(
        municipality=municipality,
        occurred_at=now,
        served_here=False,
        removed=True,
        changed_at=now,
    )
    await tenants.record(uow.session, event)
    await uow.publish(event)
    await _audit(uow, operator, "tenant-removed", municipality, {})
    return Response(status_code=HTTPStatus.NO_CONTENT)


async def _ensure_may_change(
    uow: UnitOfWorkDep,
    operator: Operator,
    municipality: str,
    before: tenants.TenantEntry | None,
    *,
    served_here: bool,
) -> None:
    """A municipality served here (before or after) is its own operators' to change; one
    served elsewhere, the deployment operator's (who administers every one served here)."""
    if served_here or (before is not None and before.served_here):
        operator.ensure_serves(municipality)
    if not served_here:
        for served in sorted(await tenants.served(uow.session) - {municipality}):
            operator.ensure_serves(served)


def _check(body: TenantIn, *, development: bool) -> None:
    """What the schema cannot say, each wrong field named (`invalidParams`)."""
    wrong = []
    if not body.served_here and body.intake_url is None:
        reason = "A municipality served elsewhere needs the address of the intake serving it."
        wrong.append(InvalidParam(name="intakeUrl", code="missing", reason=reason))
    if not development:
        for name, url in (("intakeUrl", body.intake_url), ("feedbackUrl", body.feedback_url)):
            if url is not None and not url.startswith("https://"):
                reason = f"{name} must be https: it carries personal data."
                wrong.append(InvalidParam(name=name, code="https-required", reason=reason))
    if body.ca_certificate is not None and not _is_certificate(body.ca_certificate):
        reason = "caCertificate is not a PEM CA certificate."
        wrong.append(InvalidParam(name="caCertificate", code="not-a-certificate", reason=reason))
    if wrong:
        raise invalid_request(*wrong)


def _is_certificate(pem: str) -> bool:
    try:
        ssl.create_default_context(cadata=pem)
    except (ssl.SSLError, ValueError):
        return False
    return True


def _sealed_keys(
    body: TenantIn, before: tenants.TenantEntry | None, keyring: Keyring
) -> dict[str, str]:
    """The keys the body sets, sealed; omitted, those set before (already sealed)."""
    if "api_keys" not in body.model_fields_set:
        return dict(before.sealed_api_keys) if before is not None else {}
    return {code: keyring.seal(key) for code, key in (body.api_keys or {}).items()}


def _out(entry: tenants.TenantEntry) -> TenantOut:
    return TenantOut(
        municipality=entry.municipality,
        served_here=entry.served_here,
        intake_url=entry.intake_url,
        ca_certificate=entry.ca_certificate,
        feedback_url=entry.feedback_url,
        api_keys_for=sorted(entry.sealed_api_keys),
        changed_at=entry.changed_at,
    )


async def _audit(
    uow: UnitOfWorkDep, operator: Operator, action: str, subject: str, details: dict[str, Any]
) -> None:
    await repository.audit(
        uow.session,
        at=now_utc(),
        actor=operator.actor,
        action=action,
        subject=subject,
        details=details,
    )
