"""`vroeg demo`: the whole platform on this machine, a batch of signals, and where each went."""

from __future__ import annotations

import asyncio
import os
import re
import signal as signals

from vroeg.deploy import infra
from vroeg.deploy.demo_batch import signal_body
from vroeg.deploy.demo_report import post_and_report
from vroeg.deploy.demo_staff import write_accounts
from vroeg.deploy.processes import Platform, ProcessError

# `signal_body` stays importable from here: the tests and benchmarks build their signals with it.
__all__ = ["run_demo", "signal_body"]

DEMO_DATABASE = "vroeg_demo"


def run_demo(*, keep: bool, base_port: int | None = None, tracing: bool = False) -> None:
    """Start everything, post the demo batch, print where each signal went; with `tracing`,
    the services send their spans to Zipkin and the demo links one signal's trace."""
    print(f"Starting Kafka and PostgreSQL{' and Zipkin' if tracing else ''} ...", flush=True)
    endpoints = infra.up(tracing=tracing)
    prefix = os.environ.get("VROEG_TOPIC_PREFIX", "")
    # A fresh database each run, so the demo shows the same story every time; a topic prefix
    # gets its own database too, so two demos on one server keep apart as their topics do.
    suffix = re.sub("[^a-z0-9]+", "_", prefix.lower()).strip("_")
    database_name = f"{DEMO_DATABASE}_{suffix}" if suffix else DEMO_DATABASE
    database = asyncio.run(infra.recreate_database(endpoints.database_url, database_name))
    log_dir = infra.state_dir() / "logs"
    ports = {name: base_port + i for i, name in enumerate(Platform.names())} if base_port else None
    platform = Platform({**endpoints.env(), "DATABASE_URL": database}, log_dir=log_dir, ports=ports)
    # The web app's demo accounts, and one for the CBS export (an API of its own).
    accounts = write_accounts(infra.state_dir() / "demo-accounts.json")
    platform["idp-standin"].env["VROEG_IDP_USERS"] = str(accounts)
    print(f"Starting the stand-ins and six services (logs in {log_dir}) ...", flush=True)
    try:
        platform.start()
        asyncio.run(
            post_and_report(
                platform, endpoints.kafka_bootstrap_servers, prefix, endpoints.zipkin, keep=keep
            )
        )
        if keep:
            print("\nThe platform keeps running; Ctrl-C stops it.")
            for name, process in platform.processes.items():
                print(f"  {name:<14} {process.url}", flush=True)
            _wait_for_stop(platform)
            print("\nStopping ...", flush=True)
    finally:
        platform.stop()


def _wait_for_stop(platform: Platform) -> None:
    """Block until Ctrl-C (SIGINT) or SIGTERM; a process of the platform that exits meanwhile
    ends the wait with an error."""
    stop = {signals.SIGINT, signals.SIGTERM}
    # sigwait only receives blocked signals: unblocked, Python's own SIGINT handler takes the
    # signal and the wait never returns. They stay blocked while the platform stops, so a
    # second Ctrl-C cannot cut the stop short and leave services behind.
    signals.pthread_sigmask(signals.SIG_BLOCK, stop)
    while signals.sigtimedwait(stop, 1.0) is None:
        for process in platform.processes.values():
            if process.popen is not None and process.popen.poll() is not None:
                raise ProcessError(
                    f"{process.name} exited with {process.popen.returncode}:\n{process.tail()}"
                )
