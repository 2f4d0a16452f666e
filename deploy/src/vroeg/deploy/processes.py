"""Runs the six services, the staff web app and the stand-ins (BRP, identity provider, Notify,
a creditor's webhook receiver) as processes on this machine."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from vroeg.deploy.provisioning import serve_municipalities
from vroeg.shared.registry_keys import SETTING as REGISTRY_KEY_SETTING
from vroeg.shared.topics import SERVICES

BRP_STANDIN = "brp-standin"
IDP_STANDIN = "idp-standin"
NOTIFY_STANDIN = "notify-standin"
# A creditor's webhook receiver (Standard Webhooks), for feedback's deliveries.
WEBHOOK_STANDIN = "webhook-standin"
STANDINS = (BRP_STANDIN, IDP_STANDIN, NOTIFY_STANDIN, WEBHOOK_STANDIN)
WEB = "web"
WEB_CLIENT_ID = "vroeg-web"
BRP_BASE_PATH = "/haalcentraal/api/brp"
# The municipalities the demo and the tests serve unless told otherwise.
DEVELOPMENT_TENANTS = ("0363",)
DEFAULT_PORTS = {
    "intake": 8001,
    "brp-check": 8002,
    "matcher": 8003,
    "followup": 8004,
    "feedback": 8005,
    "reporting": 8006,
    WEB: 8007,
    BRP_STANDIN: 8090,
    IDP_STANDIN: 8091,
    NOTIFY_STANDIN: 8092,
    WEBHOOK_STANDIN: 8093,
}


class ProcessError(RuntimeError):
    """A process did not start or did not become ready; the message has its log's tail."""


# Below the kernel's range of local ports for outgoing connections (32768-60999 by default):
# a port picked here cannot be taken by some client's connection between picking and binding,
# which under parallel tests happened to a broker's controller port.
_PICKED_PORTS = range(20000, 32768)


def _own_ports() -> range:
    """The picked ports this process chooses from: under parallel tests (pytest-xdist sets
    PYTEST_XDIST_WORKER=gwN and the worker count) a slice of its own, as two workers'
    platforms pick their ports seconds before they bind them, and could pick the same one
    (a BRP stand-in then failed to bind, and the test talked to another worker's)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1)
    if not worker.startswith("gw") or count < 2:
        return _PICKED_PORTS
    size = len(_PICKED_PORTS) // count
    start = _PICKED_PORTS.start + int(worker[2:]) % count * size
    return range(start, start + size)


# Handed out by this process already: a platform picks all its ports before its processes
# bind them, so a second platform (two deployments in one test) must not get the same one.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on loopback that nothing is bound to right now, outside the ephemeral range,
    and that this process has not handed out before."""
    while True:
        port = random.choice(_own_ports())
        if port not in _HANDED_OUT and port_bindable(port):
            _HANDED_OUT.add(port)
            return port


def free_ports(count: int) -> int:
    """The first of `count` consecutive ports, each free as `free_port` gives one (a demo's
    base port)."""
    own = _own_ports()
    for _ in range(200):
        base = random.randrange(own.start, own.stop - count + 1)
        run = range(base, base + count)
        if _HANDED_OUT.isdisjoint(run) and all(port_bindable(port) for port in run):
            _HANDED_OUT.update(run)
            return base
    raise RuntimeError(f"no {count} consecutive free ports in {own}")


def port_bindable(port: int) -> bool:
    """True when a server could bind `port` on loopback now."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class ServiceProcess:
    """One service (or stand-in) as a child process with its own log file."""

    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """Base URL of the process's HTTP server."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, extra_env: Mapping[str, str] | None = None) -> None:
        """Start the process (its log file is appended to across restarts)."""
        executable = Path(sys.executable).parent / f"vroeg-{self.name}"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                [str(executable)],
                env={**os.environ, **self.env, **(extra_env or {}), "VROEG_PORT": str(self.port)},
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 90) -> None:
        """Block until `/ready` (services) or `/health` (stand-ins) answers 200."""
        path = "/health" if self.name in STANDINS else "/ready"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen is not None and self.popen.poll() is not None:
                raise ProcessError(
                    f"{self.name} exited with {self.popen.returncode}:\n{self.tail()}"
                )
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise ProcessError(f"{self.name} not ready within {timeout:.0f}s:\n{self.tail()}")

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: no cleanup, like a power cut."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()

    def wait_exit(self, timeout: float) -> int:
        """Wait for the process to end by itself (e.g. at a failpoint); its return code."""
        assert self.popen is not None
        return self.popen.wait(timeout)

    def tail(self, chars: int = 4000) -> str:
        """The end of the process's log."""
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


class Platform:
    """The six services, the web app and the stand-ins, configured to find each other."""

    def __init__(
        self,
        infra_env: Mapping[str, str],
        *,
        log_dir: Path,
        ports: Mapping[str, int] | None = None,
        env: Mapping[str, str] | None = None,
        served: tuple[str, ...] = DEVELOPMENT_TENANTS,
    ) -> None:
        # Entered in intake's tenant registry when it starts (through its administration API,
        # with the development key): the municipalities the platform serves.
        self.served = served
        ports = dict(ports or DEFAULT_PORTS)
        brp_url = f"http://127.0.0.1:{ports[BRP_STANDIN]}{BRP_BASE_PATH}"
        common = {
            # The stand-ins it wires in are development defaults, refused in production; the
            # tests say `test` in `infra_env`.
            "VROEG_ENVIRONMENT": "development",
            **infra_env,
            "BRP_BASE_URL": brp_url,
            "VROEG_OIDC_ISSUER": f"http://127.0.0.1:{ports[IDP_STANDIN]}",
            # followup's messages (SMS, e-mail, letters) go to the Notify stand-in.
            "VROEG_NOTIFY_BASE_URL": f"http://127.0.0.1:{ports[NOTIFY_STANDIN]}",
            **(env or {}),
        }
        web_url = f"http://127.0.0.1:{ports[WEB]}"
        # Seals the registry's keys: a fresh one per platform, held by intake and feedback only.
        self.registry_secret_key = Fernet.generate_key().decode()
        sealing = {REGISTRY_KEY_SETTING: self.registry_secret_key}
        own = {
            "intake": sealing,
            "feedback": sealing,
            # The identity provider sends staff back to the web app only at its own address.
            IDP_STANDIN: {
                "VROEG_IDP_CLIENTS": json.dumps({WEB_CLIENT_ID: [f"{web_url}/aanmelden/terug"]})
            },
            WEB: {
                "VROEG_WEB_PUBLIC_URL": web_url,
                "VROEG_OIDC_CLIENT_ID": WEB_CLIENT_ID,
                "VROEG_INTAKE_URL": f"http://127.0.0.1:{ports['intake']}",
                "VROEG_BRP_CHECK_URL": f"http://127.0.0.1:{ports['brp-check']}",
                "VROEG_MATCHER_URL": f"http://127.0.0.1:{ports['matcher']}",
                "VROEG_FOLLOWUP_URL": f"http://127.0.0.1:{ports['followup']}",
                "VROEG_REPORTING_URL": f"http://127.0.0.1:{ports['reporting']}",
            },
        }
        self.processes = {
            name: ServiceProcess(
                name, ports[name], {**common, **own.get(name, {})}, log_dir / f"{name}.log"
            )
            for name in self.names()
        }

    @staticmethod
    def names() -> tuple[str, ...]:
        """Every process of the platform, the stand-ins first, the web app last."""
        return (*STANDINS, *SERVICES, WEB)

    def __getitem__(self, name: str) -> ServiceProcess:
        return self.processes[name]

    def start(self, names: Iterable[str] | None = None, timeout: float = 90) -> None:
        """Start processes (all by default) together, then wait until each is ready."""
        chosen = list(names or self.processes)
        for name in chosen:
            self.processes[name].start()
        for name in chosen:
            self.processes[name].wait_ready(timeout)
        if "intake" in chosen and self.served:
            serve_municipalities(self.processes["intake"].url, self.served)

    def stop(self) -> None:
        """Stop every process gracefully."""
        for process in self.processes.values():
            if process.popen is not None and process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            process.stop()
