"""intake's administration: creditors, their keys and agreements, municipalities' policies."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Path, status

from vroeg.intake import repository
from vroeg.intake.auth import (
    AdminDep,
    PrincipalKind,
    authenticate_admin,
    new_key,
    normalise_fingerprint,
)
from vroeg.intake.models import Credential, Vlp
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
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import now_utc
from vroeg.shared.http import Problem, guarded_route, problem_responses

# The administrator is known before a byte of the body is read.
router = APIRouter(
    prefix="/beheer",
    tags=["beheer"],
    dependencies=[AdminDep],
    route_class=guarded_route(authenticate_admin),
)

Municipality = Annotated[str, Path(pattern=r"^\d{4}$", description="CBS code")]
VlpId = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]
_ERRORS = problem_responses(400, 401, 404, 409)


@router.post(
    "/vlps", status_code=status.HTTP_201_CREATED, summary="Register a creditor.", responses=_ERRORS
)
async def post_vlp(body: VlpIn, uow: UnitOfWorkDep) -> VlpOut:
    """A creditor id is given once; registering it again is a conflict."""
    vlp = Vlp(id=body.id, name=body.name, vlp_type=body.type, created_at=now_utc())
    if not await repository.add_vlp(uow.session, vlp):
        raise Problem(HTTPStatus.CONFLICT, code="exists", title="That creditor id is taken.")
    return VlpOut(id=body.id, name=body.name, type=body.type)


@router.post(
    "/vlps/{vlp_id}/sleutels",
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key to a creditor.",
    responses=_ERRORS,
)
async def post_vlp_key(vlp_id: VlpId, body: KeyIn, uow: UnitOfWorkDep) -> KeyOut:
    """The key is shown in this response only; the platform keeps a hash."""
    if await repository.get_vlp(uow.session, vlp_id) is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such creditor.")
    return await _issue(uow, PrincipalKind.VLP, vlp_id, body)


@router.post(
    "/gemeenten/{municipality}/sleutels",
    status_code=status.HTTP_201_CREATED,
    summary="Issue an API key to a municipality that forwards signals.",
    responses=_ERRORS,
)
async def post_municipality_key(
    municipality: Municipality, body: KeyIn, uow: UnitOfWorkDep
) -> KeyOut:
    """The key is shown in this response only; the platform keeps a hash."""
    return await _issue(uow, PrincipalKind.MUNICIPALITY, municipality, body)


@router.put(
    "/vlps/{vlp_id}/overeenkomsten/{municipality}",
    summary="Record a creditor's agreement with a municipality (R-IN-7).",
    responses=_ERRORS,
)
async def put_agreement(
    vlp_id: VlpId, municipality: Municipality, body: AgreementIn, uow: UnitOfWorkDep
) -> AgreementOut:
    """Creates the agreement or replaces its period."""
    if await repository.get_vlp(uow.session, vlp_id) is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such creditor.")
    await repository.put_agreement(uow.session, vlp_id, municipality, body.starts_on, body.ends_on)
    return AgreementOut(
        vlp_id=vlp_id, municipality=municipality, starts_on=body.starts_on, ends_on=body.ends_on
    )


@router.put(
    "/gemeenten/{municipality}/beleid",
    summary="Save a municipality's intake policy as its next version.",
    responses=_ERRORS,
)
async def put_policy(municipality: Municipality, body: PolicyIn, uow: UnitOfWorkDep) -> PolicyOut:
    """Thresholds (R-IN-4) and required attestations (R-IN-2); every decision names its version."""
    saved = await repository.add_policy_version(
        uow.session,
        municipality,
        {k.value: str(v) for k, v in body.thresholds.items()},
        {k.value: sorted(a.value for a in set(v)) for k, v in body.required_attestations.items()},
        now_utc(),
    )
    return _policy_out(municipality, saved.version, body)


@router.get(
    "/gemeenten/{municipality}/beleid",
    summary="A municipality's policy in force.",
    responses=_ERRORS,
)
async def get_policy(municipality: Municipality, uow: UnitOfWorkDep) -> PolicyOut:
    """Version 0 is the national default: no thresholds, the default attestations."""
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


async def _issue(uow: UnitOfWorkDep, kind: PrincipalKind, principal: str, body: KeyIn) -> KeyOut:
    key = new_key()
    await repository.add_credential(
        uow.session,
        Credential(
            key_id=key.key_id,
            principal_kind=kind,
            principal_id=principal,
            secret_sha256=key.secret_sha256,
            client_cert_sha256=(
                normalise_fingerprint(body.client_cert_sha256) if body.client_cert_sha256 else None
            ),
            created_at=now_utc(),
            revoked_at=None,
        ),
    )
    return KeyOut(key_id=key.key_id, api_key=key.api_key)
