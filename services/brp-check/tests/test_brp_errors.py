"""A BRP refusal is told without the BRP's answer, which can quote names and BSNs (issue 8, 16);
an answer that says the BRP or its gateway could not serve us now is an outage to wait out."""

from __future__ import annotations

import httpx
import pytest

from tests.support.signals import jansen_signal
from vroeg.brp_check.brp import BrpClient, BrpError
from vroeg.brp_check.brp_transport import CircuitBreaker
from vroeg.shared.messaging.consumer import DependencyUnavailable


async def test_a_refused_query_raises_without_the_answers_body() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        body = {"title": "Ongeldige query", "detail": "geslachtsnaam 'Jansen' 999990019 ongeldig"}
        return httpx.Response(400, json=body)

    transport = httpx.MockTransport(refuse)
    async with httpx.AsyncClient(transport=transport, base_url="http://brp") as http:
        with pytest.raises(BrpError) as raised:
            await BrpClient(http, CircuitBreaker()).find(jansen_signal())
    assert "400" in str(raised.value)
    assert "Jansen" not in str(raised.value)
    assert "999990019" not in str(raised.value)


@pytest.mark.parametrize("status", [401, 403, 408, 429, 500, 503])
async def test_an_answer_that_the_brp_cannot_serve_us_now_is_an_outage(status: int) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(status))
    async with httpx.AsyncClient(transport=transport, base_url="http://brp") as http:
        with pytest.raises(DependencyUnavailable, match=str(status)):
            await BrpClient(http, CircuitBreaker()).find(jansen_signal())
