"""A BRP that answers as a test says, on a free port of this machine, and brp-check's client of
it (`BrpClient` over its own HTTP, `network.BrpHttp`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.test_utils import TestServer

from vroeg.brp_check.brp import BrpClient
from vroeg.brp_check.brp_transport import CircuitBreaker
from vroeg.brp_check.network import BrpHttp, Token

Answer = Callable[[web.Request], Awaitable[web.Response]]


@asynccontextmanager
async def brp_answering(
    answer: Answer, breaker: CircuitBreaker | None = None, token: Token | None = None
) -> AsyncIterator[BrpClient]:
    """A client of a BRP whose `POST /personen` answers with `answer` (with `token`'s bearer
    tokens, given one)."""
    app = web.Application()
    app.router.add_post("/personen", answer)
    async with (
        TestServer(app, host="127.0.0.1") as server,
        BrpHttp(str(server.make_url("/")), timeout_s=5, token=token) as http,
    ):
        yield BrpClient(http, breaker or CircuitBreaker())
