"""Benchmark of intake: prints figures, asserts nothing.

1. Throughput: a 100,000-signal delivery in batches of 1,000, from the first request to the
   last SignalReceived on the topic.
2. Latency: single POST /v1/signalen at a steady 200 requests/s (open loop: requests leave on
   schedule whether or not earlier ones have returned), p50/p99.

Runs intake as a process on the local infrastructure (`vroeg infra up`), in a database and
topic namespace of its own:  uv run python bench/intake.py [--signals N] [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from datetime import date, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from isolated import isolated_platform

from vroeg.deploy.demo import signal_body
from vroeg.deploy.provisioning import register_creditor
from vroeg.shared.messaging.connection import kafka_client_options
from vroeg.shared.settings import KafkaConnection
from vroeg.shared.topics import SIGNAL_RECEIVED

TODAY = date.today()


def body(reference: str, number: int) -> dict[str, Any]:
    """A valid signal; house numbers vary so households differ."""
    return signal_body(
        reference=reference,
        kind="VROEGSIGNAAL",
        arrears_type="HUUR",
        geslachtsnaam="Jansen",
        geboortedatum=date(1980, 5, 1),
        postcode="1012AB",
        huisnummer=1 + number % 9999,
        today=TODAY,
    ) | {"oldestDueDate": (TODAY - timedelta(days=45)).isoformat()}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def count_events(bootstrap: str, topic: str, expected: int, ready: asyncio.Event) -> float:
    """Read `topic` until `expected` records arrived; the monotonic time of the last one."""
    connection = KafkaConnection(KAFKA_BOOTSTRAP_SERVERS=bootstrap)
    consumer = AIOKafkaConsumer(**kafka_client_options(connection), group_id=None)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ready.set()
        seen, last = 0, time.monotonic()
        while seen < expected:
            for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                seen += len(records)
                last = time.monotonic()
        return last
    finally:
        await consumer.stop()


async def throughput(url: str, key: str, bootstrap: str, topic: str, signals: int) -> None:
    batch_size, concurrency = 1000, 4
    ready = asyncio.Event()
    counter = asyncio.create_task(count_events(bootstrap, topic, signals, ready))
    await ready.wait()
    batches = [
        [body(f"t-{b}-{i}", b * batch_size + i) for i in range(batch_size)]
        for b in range(signals // batch_size)
    ]
    latencies: list[float] = []
    queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
    for batch in batches:
        queue.put_nowait(batch)

    async def worker(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            batch = queue.get_nowait()
            sent = time.monotonic()
            response = await http.post("/v1/signalen/batches", json={"signalen": batch})
            response.raise_for_status()
            assert response.json()["ontvangen"] == len(batch), response.text[:300]
            latencies.append(time.monotonic() - sent)

    start = time.monotonic()
    async with httpx.AsyncClient(base_url=url, headers={"X-Api-Key": key}, timeout=120) as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    accepted = time.monotonic()
    last_event = await counter
    total = last_event - start
    print(
        f"throughput: {signals:,} signals in {len(batches)} batches of {batch_size:,} "
        f"({concurrency} concurrent requests)"
    )
    print(f"  all accepted after        {accepted - start:8.2f} s")
    print(f"  last event on the topic   {total:8.2f} s")
    print(f"  signals/s (first request to last event)  {signals / total:10,.0f}")
    print(
        f"  batch latency p50 {percentile(latencies, 50) * 1000:8.0f} ms   "
        f"p99 {percentile(latencies, 99) * 1000:8.0f} ms"
    )


class Connection:
    """One keep-alive HTTP/1.1 connection speaking pre-rendered requests (a lean client, so
    the load generator does not eat the CPU the server is measured on)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port))

    async def exchange(self, request: bytes) -> int:
        """Send one request, read the whole response; its status code."""
        self.writer.write(request)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status


def render(host: str, port: int, key: str, payload: dict[str, Any]) -> bytes:
    """A complete POST /v1/signalen request."""
    content = json.dumps(payload).encode()
    head = (
        f"POST /v1/signalen HTTP/1.1\r\nHost: {host}:{port}\r\nX-Api-Key: {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n"
    )
    return head.encode() + content


async def latency(url: str, key: str, seconds: int, rate: int) -> None:
    """Open loop: request i is due at start + i/rate; latency counts from when it was due."""
    host, port = url.removeprefix("http://").split(":")
    count = seconds * rate
    requests = [render(host, int(port), key, body(f"l-{i}", i)) for i in range(count)]
    idle: list[Connection] = [await Connection.open(host, int(port)) for _ in range(32)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def one(i: int, due: float) -> None:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        status = 0
        # A kept-alive connection the server closed while idle gets one retry on a fresh one,
        # as HTTP clients do (the POST is idempotent by its reference, R-IN-5).
        for connection in (idle.pop() if idle else None, None):
            try:
                connection = connection or await Connection.open(host, int(port))
                status = await connection.exchange(requests[i])
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                continue
            idle.append(connection)
            break
        latencies.append(time.monotonic() - due)
        statuses[status] = statuses.get(status, 0) + 1

    start = time.monotonic() + 0.5
    await asyncio.gather(*(one(i, start + i / rate) for i in range(count)))
    elapsed = time.monotonic() - start
    for connection in idle:
        connection.writer.close()
    print(
        f"latency: {count:,} single POSTs scheduled at {rate}/s over {seconds} s "
        f"(completed at {count / elapsed:,.0f}/s); statuses {dict(sorted(statuses.items()))}"
    )
    print(
        f"  p50 {percentile(latencies, 50) * 1000:7.1f} ms   "
        f"p99 {percentile(latencies, 99) * 1000:7.1f} ms   "
        f"max {max(latencies) * 1000:7.1f} ms   "
        f"mean {statistics.fmean(latencies) * 1000:7.1f} ms"
    )


async def main(signals: int, seconds: int, rate: int, workers: int) -> None:
    async with isolated_platform("intake", {"VROEG_WORKERS": str(workers)}) as bench:
        bench.platform.start(["intake"])
        url = bench.platform["intake"].url
        async with httpx.AsyncClient(base_url=url) as http:
            key = await register_creditor(http, "bench-woningen", "HUUR")
        await throughput(url, key, bench.kafka, bench.topic(SIGNAL_RECEIVED.name), signals)
        await latency(url, key, seconds, rate)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="intake worker processes")
    args = parser.parse_args()
    print(f"intake with {args.workers} worker process(es)")
    asyncio.run(main(args.signals, args.seconds, args.rate, args.workers))
