"""The demo's table of web-app accounts is the accounts file it gives the identity provider:
every account written is printed with the roles and municipalities written, and no other
(the table once printed the stand-in's own list, without `admin-ssc`'s second tenant)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from vroeg.deploy import demo_staff
from vroeg.deploy.processes import WEB


def test_the_printed_accounts_are_the_accounts_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    written = json.loads(demo_staff.write_accounts(tmp_path / "accounts.json").read_text())

    async def sees(platform: Any, user: Any, period: str) -> str:
        return "(what the pages show)"

    # What each account's pages show is asked of the services; only the table is looked at here.
    monkeypatch.setattr(demo_staff, "_sees", sees)
    platform: Any = {WEB: SimpleNamespace(url="http://127.0.0.1:8007")}
    asyncio.run(demo_staff.what_accounts_see(platform, "2026-12", keep=True))
    web_accounts = [u for u in written if "cbs-export" not in u["roles"]]
    names = {u["username"] for u in web_accounts}
    printed = {
        line.split()[0]: line
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("  ") and line.split()[0] in names
    }
    assert set(printed) == {u["username"] for u in web_accounts}
    for user in web_accounts:
        assert f" {', '.join(user['gemeenten'])} " in printed[user["username"]], user
        assert f" {', '.join(user['roles'])} " in printed[user["username"]], user
    # An account for a municipality not served here is not asked what its pages show.
    assert printed["reviewer-0518"].endswith("none of its municipalities is served here")
    assert printed["reviewer-ssc"].endswith("(what the pages show)")
    ssc = next(u for u in written if u["username"] == "admin-ssc")
    assert ssc["gemeenten"] == ["0363", "0518", "0599"]
