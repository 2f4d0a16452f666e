"""A local Zipkin server, the tracing dashboard: its executable jar (collector, in-memory
storage, API and UI in one) is resolved from Maven Central with the machine's Maven into a
cache and run on the machine's JDK, listening on loopback only.

Zipkin's server takes spans in its own format (`POST /api/v2/spans`); it has no OTLP
collector (that is a separate module not on Maven Central), so the services send to it with
OpenTelemetry's Zipkin exporter (`OTEL_TRACES_EXPORTER=zipkin`, see `vroeg.shared.telemetry`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx

from vroeg.deploy.servers import (
    InfraError,
    cache_dir,
    maven_resolve,
    pid_alive,
    port_open,
    state_dir,
    stop_pid,
    wait_for,
)

ZIPKIN_VERSION = "3.6.1"
ZIPKIN_PORT = int(os.environ.get("VROEG_ZIPKIN_PORT", "9411"))
# Spans kept in memory; the oldest traces go first beyond it. Ours take at most ~3.7 KiB each
# there: 200,000 ran its 512 MiB heap out at ~143,000 when a benchmark's were exported to it.
MAX_SPANS = 60_000


def _zipkin_dir() -> Path:
    return state_dir() / "zipkin"


def zipkin_up(*, home: Path | None = None, port: int = ZIPKIN_PORT) -> str:
    """Start Zipkin (in-memory storage) keeping its pid and log in `home`
    (`$VROEG_HOME/zipkin`), on `port` of 127.0.0.1; its base URL. One running there is reused."""
    home = home or _zipkin_dir()
    url = f"http://127.0.0.1:{port}"
    if pid_alive(home / "zipkin.pid") and port_open(port):
        return url
    if port_open(port):
        raise InfraError(f"port {port} is taken by another process; set VROEG_ZIPKIN_PORT")
    java = shutil.which("java")
    if java is None:
        raise InfraError("no JDK: install Debian's default-jre-headless (Java 17 or newer)")
    jar = zipkin_jar()
    home.mkdir(parents=True, exist_ok=True)
    # Only what Zipkin needs: it reads KAFKA_BOOTSTRAP_SERVERS, RABBIT_URI, … from its
    # environment and would start collectors on our broker.
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "STORAGE_TYPE": "mem",
        "MEM_MAX_SPANS": str(MAX_SPANS),
        "COLLECTOR_GRPC_ENABLED": "false",
    }
    log = home / "zipkin.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                java,
                "-Xms64m",
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",  # starts in about half the time; it is a dashboard
                "-jar",
                str(jar),
                f"--armeria.ports[0].port={port}",
                "--armeria.ports[0].ip=127.0.0.1",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    (home / "zipkin.pid").write_text(str(process.pid))
    wait_for(lambda: _healthy(url), 90, f"Zipkin on port {port}", log, process)
    return url


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def zipkin_jar() -> Path:
    """Zipkin's executable jar, resolved from Maven Central once; later runs use the cache."""
    folder = cache_dir() / f"zipkin-{ZIPKIN_VERSION}"
    jar = folder / f"zipkin-server-{ZIPKIN_VERSION}-exec.jar"
    if jar.exists():
        return jar
    maven_resolve("Zipkin's jar", "zipkin", "copy", {"zipkin.version": ZIPKIN_VERSION}, folder)
    return jar


def zipkin_down(home: Path | None = None) -> None:
    """Stop the Zipkin server started in `home` (`$VROEG_HOME/zipkin`); its traces go with it."""
    stop_pid((home or _zipkin_dir()) / "zipkin.pid", timeout=15)


def trace_page(url: str, trace_id: str) -> str:
    """The UI's page of one trace."""
    return f"{url}/zipkin/traces/{trace_id}"
