"""intake's administration: creditors, their keys and agreements, municipalities' policies.

Operators sign in with role `admin`; what belongs to a municipality (its keys, agreements and
policy) only for the municipalities of their `gemeenten` claim. Every change is audited in
`intake.audit_log`: who, when, what, never a secret.
"""

from __future__ import annotations

from datetime import date
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from vroeg.intake import repository
from vroeg.intake.auth import (
    Operator,
    OperatorDep,
    authenticate_admin,
    require_admin,
)
from vroeg.intake.models import Vlp
from vroeg.intake.rules import DEFAULT_REQUIRED_ATTESTATIONS
from vroeg.intake.schemas import (
    AgreementIn,
    AgreementOut,
    KeyIn,
    KeyOut,
    PolicyIn,
    PolicyOut,
    VlpIn,
    VlpOut,
)
from vroeg.shared import creditor_keys, tenants
from vroeg.shared.creditor_keys import key_checker, new_key, normalise_fingerprint
from vroeg.shared.deps import RuntimeDep, UnitOfWorkDep
from vroeg.shared.events import (
    AgreementChanged,
    CreditorKeyChanged,
    KeyHolderKind,
    VlpType,
    now_utc,
)
from vroeg.shared.http import Problem, guarded_route, problem_responses

# The administrator is known before a byte of the body is read.
router = APIRouter(
    prefix="/beheer",
    tags=["beheer"],
    dependencies=[Depends(require_admin)],
    route_class=guarded_route(authenticate_admin),
)

Municipality = Annotated[str, Path(pattern=r"^\d{4}$", description="CBS code")]
VlpId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
_ERRORS = problem_responses(400, 401, 403, 404, 409)
NO_MUNICIPALITY = "0000"
KeyId = Annotated[
    str, Path(pattern=r"^[0-9a-f]{16}$", description="The key id (`vroeg_<keyId>.…`).")
]


@router.post(
    "/vlps", status_code=status.HTTP_201_CREATED, summary="Register a creditor.", responses=_ERRORS
)
async def post_vlp(body: VlpIn, uow: UnitOfWorkDep, operator: OperatorDep) -> VlpOut:
    """A creditor id is given once; registering it again is a conflict."""
    vlp = Vlp(id=body.id, name=body.name, vlp_type=body.type, created_at=now_utc())
    if not await repository.add_vlp(uow.session, vlp):
        raise Problem(HTTPStatus.CONFLICT, code="exists", title="That creditor id is taken.")
    await _audit(uow, operator, "creditor-registered", body.id, {"type": body.type})
    return VlpOut(id=body.id, name=body.name, type=body.type)


@router.post(
    "/vlps/{vlp_id}/sleutels",
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key to a creditor.",
    responses=_ERRORS,
)
async def post_vlp_key(
    vlp_id: VlpId, body: KeyIn, uow: UnitOfWorkDep, operator: OperatorDep
) -> KeyOut:
    """The key is shown in this response only; the platform keeps a hash."""
    vlp = await repository.get_vlp(uow.session, vlp_id)
    if vlp is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such creditor.")
    holder = (KeyHolderKind.VLP, vlp_id, VlpType(vlp.vlp_type))
    municipality = await _municipality_of(uow.session, holder[0], vlp_id)
    return await _issue(uow, operator, holder, municipality, body)


@router.post(
    "/gemeenten/{municipality}/sleutels",
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key to a municipality that forwards signals.",
    responses=_ERRORS,
)
async def post_municipality_key(
    municipality: Municipality, body: KeyIn, uow: UnitOfWorkDep, operator: OperatorDep
) -> KeyOut:
    """The key is shown in this response only; the platform keeps a hash."""
    operator.ensure_serves(municipality)
    holder = (KeyHolderKind.MUNICIPALITY, municipality, None)
    return await _issue(uow, operator, holder, municipality, body)


@router.delete(
    "/sleutels/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key.",
    responses=_ERRORS,
)
async def delete_key(
    key_id: KeyId, request: Request, runtime: RuntimeDep, operator: OperatorDep
) -> Response:
    """At once in this process; in every other within the 30 s its verified keys are cached."""
    # Its own transaction, so the key leaves this process's cache only once the revocation
    # has committed: a check running meanwhile cannot cache it again.
    async with runtime.database.unit_of_work() as uow:
        key = await repository.key_state(uow.session, key_id, lock=True)
        if key is None:
            raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such key.")
        if key.holder_kind == KeyHolderKind.MUNICIPALITY:
            operator.ensure_serves(key.holder_id)
        if key.revoked_at is None:
            kind = KeyHolderKind(key.holder_kind)
            event = CreditorKeyChanged(
                municipality=await _municipality_of(uow.session, kind, key.holder_id),
                occurred_at=now_utc(),
                key_id=key.key_id,
                holder_kind=kind,
                holder_id=key.holder_id,
                vlp_type=VlpType(key.vlp_type) if key.vlp_type else None,
                secret_sha256=key.secret_sha256,
                client_cert_sha256=key.client_cert_sha256,
                issued_at=key.issued_at,
                revoked_at=now_utc(),
            )
            await creditor_keys.record(uow.session, event)
            await uow.publish(event)
            await _audit(
                uow,
                operator,
                "key-revoked",
                key_id,
                {"holderKind": key.holder_kind, "holder": key.holder_id},
            )
    key_checker(request).verified.revoke(key_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.put(
    "/vlps/{vlp_id}/overeenkomsten/{municipality}",
    summary="Record a creditor's agreement with a municipality (R-IN-7).",
    responses=_ERRORS,
)
async def put_agreement(
    vlp_id: VlpId,
    municipality: Municipality,
    body: AgreementIn,
    uow: UnitOfWorkDep,
    operator: OperatorDep,
) -> AgreementOut:
    """Creates the agreement or replaces its period."""
    operator.ensure_serves(municipality)
    vlp = await repository.get_vlp(uow.session, vlp_id)
    if vlp is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such creditor.")
    await repository.put_agreement(uow.session, vlp_id, municipality, body.starts_on, body.ends_on)
    await uow.publish(_agreement_changed(vlp, municipality, body.starts_on, body.ends_on))
    await _audit(
        uow,
        operator,
        "agreement-saved",
        f"{vlp_id}/{municipality}",
        body.model_dump(mode="json", by_alias=True),
    )
    return AgreementOut(
        vlp_id=vlp_id, municipality=municipality, starts_on=body.starts_on, ends_on=body.ends_on
    )


@router.delete(
    "/vlps/{vlp_id}/overeenkomsten/{municipality}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a creditor's agreement with a municipality entered by mistake (R-IN-7).",
    responses=_ERRORS,
)
async def delete_agreement(
    vlp_id: VlpId, municipality: Municipality, uow: UnitOfWorkDep, operator: OperatorDep
) -> Response:
    """An agreement that ended is ended by its `endsOn` (PUT); this deletes one that never
    held, so it counts on no day. The creditor may no longer deliver there at once."""
    operator.ensure_serves(municipality)
    vlp = await repository.get_vlp(uow.session, vlp_id)
    deleted = await repository.delete_agreement(uow.session, vlp_id, municipality)
    if vlp is None or deleted is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such agreement.")
    event = _agreement_changed(vlp, municipality, deleted.starts_on, deleted.ends_on)
    await uow.publish(event.model_copy(update={"removed": True}))
    await _audit(uow, operator, "agreement-deleted", f"{vlp_id}/{municipality}", {})
    return Response(status_code=HTTPStatus.NO_CONTENT)


def _agreement_changed(
    vlp: Vlp, municipality: str, starts_on: date, ends_on: date | None
) -> AgreementChanged:
    """The agreement's whole state, for every service that reads agreements (reporting)."""
    now = now_utc()
    return AgreementChanged(
        municipality=municipality,
        occurred_at=now,
        vlp_id=vlp.id,
        vlp_type=VlpType(vlp.vlp_type),
        starts_on=starts_on,
        ends_on=ends_on,
        changed_at=now,
    )


@router.put(
    "/gemeenten/{municipality}/beleid",
    summary="Save a municipality's intake policy as its next version.",
    responses=_ERRORS,
)
async def put_policy(
    municipality: Municipality, body: PolicyIn, uow: UnitOfWorkDep, operator: OperatorDep
) -> PolicyOut:
    """Thresholds (R-IN-4) and required attestations (R-IN-2); every decision names its version."""
    operator.ensure_serves(municipality)
    saved = await repository.add_policy_version(
        uow.session,
        municipality,
        {k.value: str(v) for k, v in body.thresholds.items()},
        {k.value: sorted(a.value for a in set(v)) for k, v in body.required_attestations.items()},
        now_utc(),
    )
    await _audit(
        uow,
        operator,
        "policy-saved",
        municipality,
        {"version": saved.version, **body.model_dump(mode="json", by_alias=True)},
    )
    return _policy_out(municipality, saved.version, body)


@router.get(
    "/gemeenten/{municipality}/beleid",
    summary="A municipality's policy in force.",
    responses=_ERRORS,
)
async def get_policy(
    municipality: Municipality, uow: UnitOfWorkDep, operator: OperatorDep
) -> PolicyOut:
    """Version 0 is the national default: no thresholds, the default attestations."""
    operator.ensure_serves(municipality)
    found = (await repository.current_policies(uow.session, [municipality])).get(municipality)
    if found is None:
        return _policy_out(municipality, 0, PolicyIn())
    return _policy_out(
        municipality,
        found.version,
        PolicyIn.model_validate(
            {"thresholds": found.thresholds, "requiredAttestations": found.required_attestations}
        ),
    )


def _policy_out(municipality: str, version: int, policy: PolicyIn) -> PolicyOut:
    required = {k: sorted(v) for k, v in DEFAULT_REQUIRED_ATTESTATIONS.items()}
    required.update({k: sorted(set(v)) for k, v in policy.required_attestations.items()})
    return PolicyOut(
        municipality=municipality,
        version=version,
        thresholds=policy.thresholds,
        required_attestations=required,
    )


async def _municipality_of(session: AsyncSession, kind: KeyHolderKind, holder_id: str) -> str:
    """The municipality a key event names: a forwarding municipality's own; a creditor's key
    is the deployment's, not one municipality's, so the first municipality served (none yet:
    `0000`, no municipality's; the event is keyed and read by key id alone)."""
    if kind == KeyHolderKind.MUNICIPALITY:
        return holder_id
    return min(await tenants.served(session), default=NO_MUNICIPALITY)


async def _issue(
    uow: UnitOfWorkDep,
    operator: Operator,
    holder: tuple[KeyHolderKind, str, VlpType | None],
    municipality: str,
    body: KeyIn,
) -> KeyOut:
    """A new key: recorded here at once, and sent to every service that takes keys."""
    kind, holder_id, vlp_type = holder
    key = new_key()
    fingerprint = (
        normalise_fingerprint(body.client_cert_sha256) if body.client_cert_sha256 else None
    )
    now = now_utc()
    event = CreditorKeyChanged(
        municipality=municipality,
        occurred_at=now,
        key_id=key.key_id,
        holder_kind=kind,
        holder_id=holder_id,
        vlp_type=vlp_type,
        secret_sha256=key.secret_sha256,
        client_cert_sha256=fingerprint,
        issued_at=now,
    )
    await creditor_keys.record(uow.session, event)
    await uow.publish(event)
    details = {"holderKind": kind.value, "holder": holder_id, "clientCertSha256": fingerprint}
    await _audit(uow, operator, "key-issued", key.key_id, details)
    return KeyOut(key_id=key.key_id, api_key=key.api_key)


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
