"""intake's HTTP routes (thin: rules decide, the repository stores)."""

from __future__ import annotations

from typing import Annotated, cast
from uuid import uuid4

from fastapi import APIRouter, Depends, Response, status

from vroeg.intake import repository, rules
from vroeg.intake.schemas import SignalAccepted, SignalIn
from vroeg.intake.settings import Settings
from vroeg.shared.deps import RuntimeDep, UnitOfWorkDep
from vroeg.shared.events import SignalData, SignalReceived, now_utc

router = APIRouter(prefix="/v1", tags=["signalen"])


def _settings(runtime: RuntimeDep) -> Settings:
    return cast(Settings, runtime.settings)


SettingsDep = Annotated[Settings, Depends(_settings)]


@router.post(
    "/signalen",
    status_code=status.HTTP_201_CREATED,
    summary="Deliver one signal.",
    responses={200: {"model": SignalAccepted, "description": "Delivered before: the same id."}},
)
async def post_signal(
    body: SignalIn, uow: UnitOfWorkDep, settings: SettingsDep, response: Response
) -> SignalAccepted:
    """Accept a signal and emit SignalReceived; a repeated VLP reference returns the first id."""
    rules.check_tenant(body.municipality, settings.served())
    now = now_utc()
    signal = SignalData(
        signal_id=uuid4(),
        **body.model_dump(exclude={"municipality", "vlp_type"}),
    )
    signal_id, created = await repository.add_signal(
        uow.session, signal, municipality=body.municipality, received_at=now
    )
    if created:
        await uow.publish(
            SignalReceived(municipality=body.municipality, occurred_at=now, signal=signal)
        )
    else:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/v1/signalen/{signal_id}"
    return SignalAccepted(id=signal_id)
