"""Reading reporting's indicator figures in tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from tests.support.db import eventually, fetch
from tests.support.fixtures import Isolation
from tests.support.kafka import publish, wait_until_consumed
from vroeg.shared.clock import dutch_date
from vroeg.shared.events import Event, now_utc
from vroeg.shared.topics import consumed_by, topic_for

Figures = dict[tuple[str, str, str | None], Decimal | None]


def this_month() -> str:
    """The period (`YYYY-MM`) signals received now count in."""
    return dutch_date(now_utc()).strftime("%Y-%m")


def figures(body: dict[str, Any]) -> Figures:
    """`GET /v1/indicatorwaarden`'s figures by (indicator, municipality or `regio`, key)."""
    return {
        (v["indicator"], v["gemeente"], v["uitsplitsing"]): (
            None if v["waarde"] is None else Decimal(str(v["waarde"]))
        )
        for v in body["waarden"]
    }


async def get_figures(
    reporting_url: str, headers: dict[str, str], period: str, **params: Any
) -> Figures:
    """The figures of a period as an analyst sees them."""
    async with httpx.AsyncClient(base_url=reporting_url, headers=headers) as http:
        response = await http.get("/v1/indicatorwaarden", params={"periode": period, **params})
        response.raise_for_status()
        return figures(response.json())


def breakdown(found: Figures, indicator: str, municipality: str) -> dict[str, Decimal | None]:
    """One indicator's figures per breakdown key, for a municipality (or `regio`)."""
    return {
        key or "": value
        for (name, m, key), value in found.items()
        if name == indicator and m == municipality
    }


def rebuild(isolation: Isolation) -> str:
    """`vroeg reporting rebuild` on the isolation's topics and database; what it printed."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "vroeg"), "reporting", "rebuild"],
        env={**os.environ, **isolation.env()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


Counts = dict[tuple[str, str, str | None], tuple[Decimal, Decimal | None]]


async def get_counts(
    reporting_url: str, headers: dict[str, str], period: str, **params: Any
) -> Counts:
    """The numerator and denominator (`teller`, `noemer`) of each figure of a period, by
    (indicator, municipality or `regio`, key): the counts behind the ratios."""
    async with httpx.AsyncClient(base_url=reporting_url, headers=headers, timeout=60) as http:
        response = await http.get("/v1/indicatorwaarden", params={"periode": period, **params})
        response.raise_for_status()
    return {
        (v["indicator"], v["gemeente"], v["uitsplitsing"]): (
            Decimal(str(v["teller"])),
            None if v["noemer"] is None else Decimal(str(v["noemer"])),
        )
        for v in response.json()["waarden"]
    }


async def publish_facts(isolation: Isolation, events: Sequence[Event]) -> None:
    """Publish events on the topics reporting reads, each on its own, and wait until reporting
    has consumed every one of those topics to its end."""
    for topic in consumed_by("reporting"):
        mine = [e for e in events if topic_for(e) is topic]
        if mine:
            await publish(isolation.kafka, isolation.topic(topic.name), mine)
    for topic in consumed_by("reporting"):
        await wait_until_consumed(
            isolation.kafka, isolation.group("reporting"), isolation.topic(topic.name)
        )


def twice_reversed(events: Sequence[Event]) -> list[Event]:
    """Newest first, each fact again under its own id and once more under a new one."""
    return [copy for e in reversed(events) for copy in (e, e, e.model_copy(update={"id": uuid4()}))]


async def rolled_up(isolation: Isolation) -> None:
    """Wait until the rollup job kept every month whose facts changed."""
    left = await eventually(
        lambda: fetch(isolation.database_url, "SELECT count(*) AS n FROM reporting.stale_months"),
        lambda rows: rows[0]["n"] == 0,
        timeout=60,
    )
    assert left[0]["n"] == 0
