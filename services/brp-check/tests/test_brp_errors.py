"""A BRP refusal is told without the BRP's answer, which can quote names and BSNs (issue 8, 16);
an answer that says the BRP or its gateway could not serve us now is an outage to wait out."""

from __future__ import annotations

import pytest
from aiohttp import web

from tests.support.brp import brp_answering
from tests.support.signals import jansen_signal
from vroeg.brp_check.brp import BrpError
from vroeg.shared.messaging.consumer import DependencyUnavailable


async def test_a_refused_query_raises_without_the_answers_body() -> None:
    async def refuse(request: web.Request) -> web.Response:
        body = {"title": "Ongeldige query", "detail": "geslachtsnaam 'Jansen' 999990019 ongeldig"}
        return web.json_response(body, status=400)

    async with brp_answering(refuse) as brp:
        with pytest.raises(BrpError) as raised:
            await brp.find(jansen_signal())
    assert "400" in str(raised.value)
    assert "Jansen" not in str(raised.value)
    assert "999990019" not in str(raised.value)


@pytest.mark.parametrize("status", [401, 403, 408, 429, 500, 503])
async def test_an_answer_that_the_brp_cannot_serve_us_now_is_an_outage(status: int) -> None:
    async def unserved(request: web.Request) -> web.Response:
        return web.Response(status=status)

    async with brp_answering(unserved) as brp:
        with pytest.raises(DependencyUnavailable, match=str(status)):
            await brp.find(jansen_signal())
