"""Reading a service's Prometheus metrics as a scraper would."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.parser import text_string_to_metric_families

# Each sample's value, by its name and labels.
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(url: str) -> Samples:
    """Every sample the service at `url` serves at /metrics."""
    response = await asyncio.to_thread(httpx.get, f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """The value of the sample with exactly these labels, if there is one."""
    return samples.get((name, frozenset(labels.items())))
