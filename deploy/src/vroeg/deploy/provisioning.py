"""Registering municipalities and creditors with intake through its administration API, as an
operator would."""

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


def serve_municipalities(
    intake_url: str, municipalities: tuple[str, ...], *, admin_key: str = DEVELOPMENT_ADMIN_KEY
) -> None:
    """Enter each municipality in intake's tenant registry as served here (domain §10), unless
    the registry has it already (an entry set before, with its keys, stays as it is)."""
    admin = {"X-Api-Key": admin_key}
    with httpx.Client(base_url=intake_url, headers=admin) as http:
        for municipality in municipalities:
            path = f"/v1/beheer/gemeenten/{municipality}"
            if http.get(path).status_code == 404:
                http.put(path, json={"servedHere": True}).raise_for_status()
