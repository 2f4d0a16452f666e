"""Registering creditors with intake through its administration API, as an operator would."""

from __future__ import annotations

from datetime import date

import httpx

DEVELOPMENT_ADMIN_KEY = "vroeg-development-admin-key"  # intake's development default


async def register_creditor(
    http: httpx.AsyncClient,
    vlp_id: str,
    vlp_type: str,
    *,
    municipalities: tuple[str, ...] = ("0363",),
    admin_key: str = DEVELOPMENT_ADMIN_KEY,
    since: date = date(2024, 1, 1),
) -> str:
    """Register a creditor with agreements for `municipalities`; its new API key."""
    admin = {"X-Api-Key": admin_key}
    created = await http.post(
        "/v1/beheer/vlps", headers=admin, json={"id": vlp_id, "name": vlp_id, "type": vlp_type}
    )
    if created.status_code not in (201, 409):
        created.raise_for_status()
    for municipality in municipalities:
        agreement = await http.put(
            f"/v1/beheer/vlps/{vlp_id}/overeenkomsten/{municipality}",
            headers=admin,
            json={"startsOn": since.isoformat()},
        )
        agreement.raise_for_status()
    key = await http.post(f"/v1/beheer/vlps/{vlp_id}/sleutels", headers=admin, json={})
    key.raise_for_status()
    api_key: str = key.json()["apiKey"]
    return api_key
