"""Benchmark of brp-check's HTTP client: CPU per BRP query, httpx (traced by OpenTelemetry's
httpx instrumentation) against the client brp-check uses (`network.BrpHttp`, aiohttp in a
span of its own).

A child process serves a canned `POST /personen` answer over keep-alive HTTP/1.1 (so only the
client's work is measured); the client sends `--requests` queries, `--concurrency` in flight
(brp-check's default), traced (spans recorded, not exported). Prints CPU ms per query and
queries/s for each client, `--rounds` times in turn.
    uv run python bench/brp_client.py [--requests N] [--concurrency C] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
from collections.abc import Awaitable, Callable

import httpx
from opentelemetry import trace
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from vroeg.brp_check import network

PORT = 18765
ANSWER = json.dumps(
    {
        "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
        "personen": [{"burgerservicenummer": "999993653"}],
    }
).encode()
QUERY = json.dumps(
    {
        "type": "ZoekMetGeslachtsnaamEnGeboortedatum",
        "geslachtsnaam": "Jansen",
        "geboortedatum": "1980-01-01",
        "inclusiefOverledenPersonen": True,
        "fields": ["burgerservicenummer"],
    }
).encode()


def serve() -> None:
    """Answer every QUERY on a connection with ANSWER, until the client closes it."""
    response = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n"
        b"content-length: %d\r\n\r\n" % len(ANSWER) + ANSWER
    )

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                await reader.readexactly(len(QUERY))  # the only query the client sends
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(connection, "127.0.0.1", PORT)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def measure(
    post: Callable[[], Awaitable[bytes]], requests: int, concurrency: int
) -> tuple[float, float]:
    """CPU ms per query and queries/s over `requests` queries (after a warm-up)."""
    slots = asyncio.Semaphore(concurrency)

    async def query() -> None:
        async with slots:
            json.loads(await post())

    await asyncio.gather(*(query() for _ in range(concurrency * 50)))
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(query() for _ in range(requests)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / requests * 1000, requests / wall


async def main(args: argparse.Namespace) -> None:
    trace.set_tracer_provider(TracerProvider())
    HTTPXClientInstrumentor().instrument()
    url = f"http://127.0.0.1:{PORT}"
    headers = {"Content-Type": "application/json; charset=utf-8"}
    with trace.get_tracer("bench").start_as_current_span("bench"):
        async with (
            httpx.AsyncClient(base_url=url, timeout=10, trust_env=False) as httpx_client,
            network.BrpHttp(url, timeout_s=10) as brp_http,
        ):

            async def by_httpx() -> bytes:
                return (
                    await httpx_client.post("/personen", content=QUERY, headers=headers)
                ).content

            async def by_brp_check() -> bytes:
                return (await brp_http.post("/personen", QUERY)).content

            for _ in range(args.rounds):
                for name, post in (("httpx", by_httpx), ("brp-check's (aiohttp)", by_brp_check)):
                    ms, rate = await measure(post, args.requests, args.concurrency)
                    print(f"{name:>22}: {ms:.3f} CPU ms per query, {rate:,.0f} queries/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    server = multiprocessing.Process(target=serve, daemon=True)
    server.start()
    time.sleep(1)
    try:
        asyncio.run(main(arguments))
    finally:
        server.terminate()
