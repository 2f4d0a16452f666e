"""The creditor's own webhook endpoint, with its own API key (`vroeg.shared.creditor_keys`):
register or change it, read it, rotate its secret, remove it. A key reaches only its own
creditor's endpoint; there is no id in the path to try another's."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Response, status

from vroeg.feedback.models import WebhookEndpoint
from vroeg.feedback.webhooks import signing, store, urls
from vroeg.feedback.webhooks.schemas import WebhookIn, WebhookOut
from vroeg.feedback.webhooks.settings import WebhookSettings
from vroeg.shared.creditor_keys import KeyHolder, authenticate, authenticate_request
from vroeg.shared.deps import RuntimeDep, UnitOfWorkDep
from vroeg.shared.events import KeyHolderKind
from vroeg.shared.http import Problem, guarded_route, problem_responses


async def _creditor(holder: Annotated[KeyHolder, Depends(authenticate)]) -> KeyHolder:
    if holder.kind != KeyHolderKind.VLP:
        raise Problem(HTTPStatus.FORBIDDEN, code="not-a-creditor", title="Only creditors may.")
    return holder


CreditorDep = Annotated[KeyHolder, Depends(_creditor)]
# The caller is known before a byte of the body is read.
router = APIRouter(
    prefix="/webhook", tags=["webhook"], route_class=guarded_route(authenticate_request)
)
_ERRORS = problem_responses(400, 401, 403, 404)


def _settings(runtime: RuntimeDep) -> WebhookSettings:
    return cast(WebhookSettings, runtime.settings)


def _out(row: WebhookEndpoint, secret: str | None = None) -> WebhookOut:
    return WebhookOut(
        url=row.url,
        secret=secret,
        previous_secret_valid_until=row.previous_secret_until if row.previous_secret else None,
        updated_at=row.updated_at,
    )


def _none() -> Problem:
    return Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No webhook registered.")


@router.put(
    "",
    summary="Register the creditor's webhook endpoint, or change its URL.",
    responses={201: {"description": "Registered; the answer holds its secret."}, **_ERRORS},
)
async def put_webhook(
    body: WebhookIn,
    creditor: CreditorDep,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    response: Response,
) -> WebhookOut:
    """Feedback is pushed to this URL from now on, signed per Standard Webhooks. The first
    registration makes the secret and answers 201 with it (the only time it is shown); a
    change of URL keeps the secret (200)."""
    settings = runtime.settings
    if (why := urls.refusal(body.url, settings.environment)) is not None:
        raise Problem(HTTPStatus.BAD_REQUEST, code="invalid-url", title="Bad URL.", detail=why)
    now = settings.clock.now()
    secret = signing.new_secret()
    if await store.create_endpoint(uow.session, creditor.id, body.url, secret, now):
        response.status_code = status.HTTP_201_CREATED
        made = await store.endpoint(uow.session, creditor.id)
        assert made is not None
        return _out(made, secret)
    row = await store.endpoint(uow.session, creditor.id, for_update=True)
    if row is None:  # removed by a request of its own in between
        raise _none()
    row.url, row.updated_at = body.url, now
    return _out(row)


@router.get("", summary="The creditor's webhook endpoint.", responses=_ERRORS)
async def get_webhook(creditor: CreditorDep, uow: UnitOfWorkDep) -> WebhookOut:
    """Its URL and rotation; never its secret."""
    row = await store.endpoint(uow.session, creditor.id)
    if row is None:
        raise _none()
    return _out(row)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop webhooks: the creditor polls instead.",
    responses=_ERRORS,
)
async def delete_webhook(creditor: CreditorDep, uow: UnitOfWorkDep) -> None:
    """Forgets the endpoint and its secrets; deliveries not yet made are dropped (the feedback
    stays available by polling)."""
    if not await store.delete_endpoint(uow.session, creditor.id):
        raise _none()


@router.post(
    "/geheim",
    status_code=status.HTTP_201_CREATED,
    summary="Rotate the webhook's signing secret.",
    responses=_ERRORS,
)
async def rotate_secret(
    creditor: CreditorDep,
    uow: UnitOfWorkDep,
    runtime: RuntimeDep,
    settings: Annotated[WebhookSettings, Depends(_settings)],
) -> WebhookOut:
    """A new secret, shown only in this answer. For `previousSecretValidUntil` deliveries are
    signed with both (two signatures in `webhook-signature`), so the receiver can switch over;
    then with the new one alone."""
    row = await store.endpoint(uow.session, creditor.id, for_update=True)
    if row is None:
        raise _none()
    now = runtime.settings.clock.now()
    secret = signing.new_secret()
    row.previous_secret, row.secret = row.secret, secret
    row.previous_secret_until = now + timedelta(seconds=settings.webhook_secret_overlap_s)
    row.updated_at = now
    return _out(row, secret)
