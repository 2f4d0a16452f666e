"""`vroeg demo --keep` as a developer runs it in a terminal, stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy.engine import make_url

from vroeg.deploy import infra
from vroeg.deploy.processes import Platform

UP = "Ctrl-C stops it."


def _consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive loopback ports that nothing listens on."""
    for _ in range(200):
        base = random.randrange(20000, 60000)
        try:
            for port in range(base, base + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no run of free ports")


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


@pytest.fixture
def demo_env(endpoints: infra.Endpoints, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The demo's environment on the shared infrastructure, with its own topics and database."""
    prefix = f"demo{uuid4().hex[:12]}."
    yield {
        **os.environ,
        **endpoints.env(),
        "VROEG_TOPIC_PREFIX": prefix,
        "VROEG_HOME": str(tmp_path / "home"),
        "VROEG_ENVIRONMENT": "development",
        "VROEG_OUTBOX_POLL_INTERVAL_S": "0.2",
    }
    demo_database = make_url(endpoints.database_url).set(database=f"vroeg_demo_{prefix[:-1]}")
    asyncio.run(infra.drop_database(demo_database.render_as_string(hide_password=False)))


def test_ctrl_c_stops_a_kept_demo_and_every_service(
    demo_env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "demo.out"
    base_port = _consecutive_free_ports(len(Platform.names()))
    vroeg = str(Path(sys.executable).parent / "vroeg")
    with out.open("wb") as sink:
        # Its own process group, as a terminal's foreground job: Ctrl-C signals the group.
        demo = subprocess.Popen(
            [vroeg, "demo", "--keep", "--base-port", str(base_port)],
            env=demo_env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    services: list[int] = []
    try:
        deadline = time.monotonic() + 360
        while UP not in out.read_text() and demo.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert UP in out.read_text(), out.read_text()[-4000:]
        services = _children(demo.pid)
        assert len(services) == len(Platform.names()), services

        os.killpg(demo.pid, signal.SIGINT)

        assert demo.wait(timeout=90) == 0, out.read_text()[-4000:]
        assert [pid for pid in services if _alive(pid)] == []
        for port in range(base_port, base_port + len(services)):
            with socket.socket() as sock:
                assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still served"
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
        for pid in services:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
