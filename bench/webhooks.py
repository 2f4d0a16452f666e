"""Benchmark of feedback's webhooks: how fast feedback reaches a creditor's endpoint.

`--feedback` refused signals of one creditor (each earns it NIET_OPGEPAKT) go to a running
feedback whose creditor registered the webhook receiver stand-in (which verifies every
delivery with `standardwebhooks`); timed from the first publish to the last delivery the
receiver accepted: webhook deliveries per second, end to end (consumed, recorded, enqueued,
claimed, signed, posted, acknowledged), with `--replicas` feedback processes sharing the work.
    uv run python bench/webhooks.py [--feedback N] [--replicas R] [--batch B]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from isolated import Bench, isolated_platform

from vroeg.deploy.processes import WEBHOOK_STANDIN, ServiceProcess, free_port
from vroeg.shared.cloudevents import encode
from vroeg.shared.creditor_keys import new_key
from vroeg.shared.events import (
    CreditorKeyChanged,
    Event,
    KeyHolderKind,
    RefusalReason,
    SignalRefused,
    VlpType,
)
from vroeg.shared.topics import CREDITOR_KEYS, SIGNAL_REFUSED

CREDITOR = "bench"


async def publish(bench: Bench, topic: str, events: Sequence[Event]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bench.kafka, linger_ms=20)
    await producer.start()
    try:
        for event in events:
            message = encode(event, topic=bench.topic(topic), source="/bench", trace={})
            await producer.send(
                message.topic, value=message.value, key=message.key, headers=list(message.headers)
            )
        await producer.flush()
    finally:
        await producer.stop()


async def register(bench: Bench) -> None:
    """A creditor's key (as intake would issue it), its webhook on the stand-in."""
    key = new_key()
    now = datetime.now(UTC)
    event = CreditorKeyChanged(
        municipality="0363",
        occurred_at=now,
        key_id=key.key_id,
        holder_kind=KeyHolderKind.VLP,
        holder_id=CREDITOR,
        vlp_type=VlpType.HUUR,
        secret_sha256=key.secret_sha256,
        issued_at=now,
    )
    await publish(bench, CREDITOR_KEYS.name, [event])
    webhook = f"{bench.platform['feedback'].url}/v1/webhook"
    receiver = f"{bench.platform[WEBHOOK_STANDIN].url}/ontvangers/{CREDITOR}"
    async with httpx.AsyncClient(headers={"X-Api-Key": key.api_key}, timeout=10) as http:
        made = await http.put(webhook, json={"url": receiver})
        while made.status_code == 401:  # until feedback has read the key's event
            await asyncio.sleep(0.2)
            made = await http.put(webhook, json={"url": receiver})
        made.raise_for_status()
        secrets = {"secrets": [made.json()["secret"]]}
        await http.put(
            f"{bench.platform[WEBHOOK_STANDIN].url}/_stand-in/ontvangers/{CREDITOR}/geheimen",
            json=secrets,
        )


async def deliver(bench: Bench, count: int, database: str) -> None:
    refused = [
        SignalRefused(
            municipality="0363",
            occurred_at=datetime.now(UTC),
            signal_id=uuid4(),
            vlp_id=CREDITOR,
            vlp_reference=f"dossier-{n}",
            reason=RefusalReason.ONDER_DREMPEL,
            rule="R-IN-4",
            policy_version=0,
        )
        for n in range(count)
    ]
    received = f"{bench.platform[WEBHOOK_STANDIN].url}/_stand-in/ontvangers/{CREDITOR}/ontvangen"
    first = time.monotonic()
    await publish(bench, SIGNAL_REFUSED.name, refused)
    recorded_at = None
    connection = await asyncpg.connect(database.replace("+asyncpg", ""))
    async with httpx.AsyncClient(timeout=30) as http:
        while True:
            if recorded_at is None:
                rows = await connection.fetchval("SELECT count(*) FROM feedback.feedback")
                if rows >= count:
                    recorded_at = time.monotonic()
            got = (await http.get(received)).json()["received"]
            if len(got) >= count:
                break
            await asyncio.sleep(0.2)
    last = time.monotonic()
    await connection.close()
    accepted = [g for g in got if g["outcome"] == "accepted"]
    print(f"{count} feedback rows recorded in {(recorded_at or last) - first:.1f} s")
    print(
        f"{len(accepted)} webhook deliveries accepted (of {len(got)} requests) in "
        f"{last - first:.1f} s: {len(accepted) / (last - first):.0f}/s end to end"
    )


async def main(count: int, replicas: int, batch: int) -> None:
    env = {"VROEG_WEBHOOK_BATCH": str(batch), "VROEG_WEBHOOK_POLL_INTERVAL_S": "0.2"}
    async with isolated_platform("webhooks", env) as bench:
        bench.platform.start([WEBHOOK_STANDIN, "feedback"])
        others = []
        for n in range(1, replicas):
            spec = bench.platform["feedback"]
            log = Path(tempfile.mkdtemp(prefix="vroeg-bench-webhooks-")) / f"feedback-{n}.log"
            other = ServiceProcess("feedback", free_port(), spec.env, log)
            other.start()
            other.wait_ready()
            others.append(other)
        try:
            await register(bench)
            await deliver(bench, count, bench.platform["feedback"].env["DATABASE_URL"])
        finally:
            for other in others:
                other.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feedback", type=int, default=2000)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.feedback, args.replicas, args.batch))
