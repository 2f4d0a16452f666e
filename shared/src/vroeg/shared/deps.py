"""FastAPI dependencies shared by every service's routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request

from vroeg.shared.messaging.unit_of_work import UnitOfWork
from vroeg.shared.service import Runtime


def get_runtime(request: Request) -> Runtime:
    """The running service's parts."""
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """One transaction per request, committed before the response is sent."""
    async with get_runtime(request).database.unit_of_work() as uow:
        yield uow


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
# scope="function": the commit happens when the route returns, before the response goes out,
# so a client never sees success for a transaction that then failed.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]
