"""A BRP refusal is told without the BRP's answer, which can quote names and BSNs (issue 8, 16)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.signals import jansen_signal
from vroeg.brp_check.brp import BrpClient, BrpError
from vroeg.brp_check.brp_transport import CircuitBreaker


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
