"""intake's routes for creditors and forwarding municipalities (thin: delivery decides)."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Header, Request, Response, status
from pydantic import ValidationError

from vroeg.intake import repository
from vroeg.intake.auth import MunicipalityDep, VlpDep
from vroeg.intake.delivery import Delivered, Sender, deliver
from vroeg.intake.schemas import (
    EXAMPLE_SIGNAL,
    MAX_BATCH,
    MAX_BATCH_BODY_BYTES,
    BatchOut,
    ForwardedSignalIn,
    RecordError,
    RecordResult,
    RecordStatus,
    SignalIn,
    SignalOut,
    SignalResult,
    SignalStatus,
)
from vroeg.shared.creditor_keys import authenticate_request
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import TEXT_PATTERN, RefusalReason, now_utc
from vroeg.shared.http import (
    Problem,
    guarded_route,
    invalid_params,
    parse_json,
    problem_responses,
)

# Every route authenticates the caller before a byte of the body is read (issue 8, item 15).
router = APIRouter(tags=["signalen"], route_class=guarded_route(authenticate_request))
_TEXT = re.compile(TEXT_PATTERN)

_DELIVERY_ERRORS = problem_responses(400, 401, 403, 413, 422)
_READ_ERRORS = problem_responses(400, 401, 403, 404)


def _single(outcome: Delivered | Problem, response: Response) -> SignalResult:
    if isinstance(outcome, Problem):
        raise outcome
    response.status_code = HTTPStatus.CREATED if outcome.created else HTTPStatus.OK
    response.headers["Location"] = f"/v1/signalen/{outcome.result.id}"
    return outcome.result


@router.post(
    "/signalen",
    status_code=status.HTTP_201_CREATED,
    summary="Deliver one signal.",
    responses={
        200: {"model": SignalResult, "description": "Delivered before: the first result."},
        **_DELIVERY_ERRORS,
    },
)
async def post_signal(
    body: SignalIn, uow: UnitOfWorkDep, vlp: VlpDep, response: Response
) -> SignalResult:
    """Take a signal up (ONTVANGEN) or record why not (NIET_OPGEPAKT, with the reason)."""
    assert vlp.vlp_type is not None
    [outcome] = await deliver(uow, Sender(vlp.id, vlp.vlp_type), [body], now=now_utc())
    return _single(outcome, response)


@router.post(
    "/doorgestuurde-signalen",
    status_code=status.HTTP_201_CREATED,
    summary="Receive a signal another municipality forwards (Awb 2:3).",
    responses={
        200: {"model": SignalResult, "description": "Forwarded before: the first result."},
        **_DELIVERY_ERRORS,
    },
)
async def post_forwarded_signal(
    body: ForwardedSignalIn,
    uow: UnitOfWorkDep,
    municipality: MunicipalityDep,
    response: Response,
) -> SignalResult:
    """The original creditor and the forwarding municipality are kept as provenance."""
    if body.municipality == municipality.id:
        raise Problem(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            code="forwarded-to-self",
            title="A municipality cannot forward a signal to itself.",
        )
    sender = Sender(
        body.original_vlp.id,
        body.original_vlp.type,
        forwarded_by=municipality.id,
        original_received_at=body.original_received_at,
    )
    signal = SignalIn.model_validate(
        body.model_dump(exclude={"original_vlp", "original_received_at"})
    )
    [outcome] = await deliver(uow, sender, [signal], now=now_utc())
    return _single(outcome, response)


@router.get(
    "/signalen/{signal_id}",
    summary="A delivered signal's status, for the creditor that sent it.",
    responses=_READ_ERRORS,
)
async def get_signal(signal_id: UUID, uow: UnitOfWorkDep, vlp: VlpDep) -> SignalOut:
    """Another creditor's signal is answered as not found."""
    signal = await repository.get_signal(uow.session, signal_id, vlp_id=vlp.id)
    if signal is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such signal.")
    return SignalOut(
        id=signal.id,
        vlp_reference=signal.vlp_reference,
        status=SignalStatus(signal.status),
        reason=RefusalReason(signal.reason) if signal.reason else None,
        policy_version=signal.policy_version,
        municipality=signal.municipality,
        received_at=signal.received_at,
        forwarded_by=signal.forwarded_by or None,
        original_received_at=signal.original_received_at,
    )


# The batch body is read record by record (each may fail alone), so FastAPI does not parse
# it; its schema is given to OpenAPI here. A record is meant to be a SignalIn, but any object
# is taken: one that is not a valid SignalIn gets status ONGELDIG with its errors.
_BATCH_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "required": ["signalen"],
                "properties": {
                    "signalen": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": MAX_BATCH,
                        "items": {
                            "description": "A signal as for POST /signalen; validated on its "
                            "own, so an invalid one fails alone (status ONGELDIG).",
                            "anyOf": [
                                {"$ref": "#/components/schemas/SignalIn"},
                                {"type": "object"},
                            ],
                        },
                    }
                },
            },
            "example": {"signalen": [EXAMPLE_SIGNAL]},
        }
    },
}


@router.post(
    "/signalen/batches",
    status_code=status.HTTP_201_CREATED,
    summary="Deliver up to 10,000 signals at once.",
    openapi_extra={"requestBody": _BATCH_BODY},
    max_body_size=MAX_BATCH_BODY_BYTES,
    responses={
        200: {"model": BatchOut, "description": "Same Idempotency-Key as before: that result."},
        **problem_responses(400, 401, 403, 413),
    },
)
async def post_batch(
    request: Request,
    uow: UnitOfWorkDep,
    vlp: VlpDep,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(max_length=200, description="Makes a retried batch safe.")
    ] = None,
) -> BatchOut:
    """Per record: every record gets its own result, valid ones are stored, invalid ones are
    reported and stored nowhere. The batch commits as one unit, so a failed request changes
    nothing and can be retried as a whole."""
    assert vlp.vlp_type is not None
    records = await _records(request)
    now = now_utc()
    batch_id = uuid4()
    if not await repository.claim_batch(uow.session, batch_id, vlp.id, idempotency_key, now):
        assert idempotency_key is not None
        earlier = await repository.batch_by_key(uow.session, vlp.id, idempotency_key)
        assert earlier is not None
        response.status_code = HTTPStatus.OK
        response.headers["Location"] = f"/v1/signalen/batches/{earlier.id}"
        return BatchOut.model_validate(earlier.result)

    results: list[RecordResult | None] = [None] * len(records)
    valid: list[tuple[int, SignalIn]] = []
    for index, record in enumerate(records):
        try:
            valid.append((index, SignalIn.model_validate(record)))
        except ValidationError as exc:
            results[index] = RecordResult(
                index=index,
                vlp_reference=_reference_of(record),
                status=RecordStatus.ONGELDIG,
                errors=[
                    RecordError.model_validate(param)
                    for param in invalid_params(exc.errors(include_input=False), root="record")
                ],
            )
    outcomes = await deliver(
        uow,
        Sender(vlp.id, vlp.vlp_type),
        [signal for _, signal in valid],
        now=now,
    )
    for (index, signal), outcome in zip(valid, outcomes, strict=True):
        results[index] = _record_result(index, signal, outcome)
    done = [r for r in results if r is not None]
    out = BatchOut(
        id=batch_id,
        received_at=now,
        total=len(done),
        ontvangen=sum(r.status == RecordStatus.ONTVANGEN for r in done),
        niet_opgepakt=sum(r.status == RecordStatus.NIET_OPGEPAKT for r in done),
        ongeldig=sum(r.status == RecordStatus.ONGELDIG for r in done),
        results=done,
    )
    await repository.save_batch_result(
        uow.session, batch_id, out.model_dump(mode="json", by_alias=True)
    )
    response.headers["Location"] = f"/v1/signalen/batches/{batch_id}"
    return out


@router.get(
    "/signalen/batches/{batch_id}",
    summary="A batch's results, for the creditor that sent it.",
    responses=_READ_ERRORS,
)
async def get_batch(batch_id: UUID, uow: UnitOfWorkDep, vlp: VlpDep) -> BatchOut:
    """Another creditor's batch is answered as not found."""
    batch = await repository.get_batch(uow.session, batch_id, vlp_id=vlp.id)
    if batch is None:
        raise Problem(HTTPStatus.NOT_FOUND, code="not-found", title="No such batch.")
    return BatchOut.model_validate(batch.result)


async def _records(request: Request) -> list[Any]:
    """The batch's records, each still unvalidated, so each can fail on its own."""
    body = parse_json(await request.body())
    if (
        not isinstance(body, dict)
        or set(body) != {"signalen"}
        or not isinstance(body["signalen"], list)
    ):
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            code="invalid-request",
            title="The request is not valid.",
            detail='Send {"signalen": [ … ]}.',
        )
    records: list[Any] = body["signalen"]
    not_objects = [i for i, record in enumerate(records) if not isinstance(record, dict)]
    if not_objects:
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            code="invalid-request",
            title="The request is not valid.",
            detail=f"Every record must be a JSON object; record {not_objects[0]} is not.",
        )
    if not records:
        raise Problem(HTTPStatus.BAD_REQUEST, code="empty-batch", title="The batch is empty.")
    if len(records) > MAX_BATCH:
        raise Problem(
            HTTPStatus.BAD_REQUEST,
            code="batch-too-large",
            title="Too many signals in one batch.",
            detail=f"At most {MAX_BATCH} signals per batch; this one has {len(records)}.",
        )
    return records


def _reference_of(record: Any) -> str | None:
    """The record's reference, echoed back only when it is a valid one."""
    reference = record.get("vlpReference") if isinstance(record, dict) else None
    if isinstance(reference, str) and len(reference) <= 100 and _TEXT.match(reference):
        return reference
    return None


def _record_result(index: int, signal: SignalIn, outcome: Delivered | Problem) -> RecordResult:
    if isinstance(outcome, Problem):
        return RecordResult(
            index=index,
            vlp_reference=signal.vlp_reference,
            status=RecordStatus.ONGELDIG,
            errors=[
                RecordError(
                    name="record", code=outcome.code, reason=outcome.detail or outcome.title
                )
            ],
        )
    result = outcome.result
    return RecordResult(
        index=index,
        vlp_reference=result.vlp_reference,
        status=RecordStatus(result.status),
        id=result.id,
        reason=result.reason,
    )
