"""What the local Kafka and PostgreSQL servers share: their state folders, running programs,
pid files and ports."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path


class InfraError(RuntimeError):
    """Infrastructure could not be brought up; the message says what to do."""


def state_dir() -> Path:
    """Where infrastructure state lives: `$VROEG_HOME`, else `.vroeg` in the working folder."""
    return Path(os.environ.get("VROEG_HOME", Path.cwd() / ".vroeg")).resolve()


def cache_dir() -> Path:
    """Where resolved Kafka jars are kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    return Path(base) / "vroeg"


def run(argv: list[str], *, what: str, env: dict[str, str] | None = None) -> None:
    """Run a program to its end; `InfraError` with its output if it fails."""
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise InfraError(f"could not {what}: {' '.join(argv)}\n{result.stdout}{result.stderr}")


def maven_resolve(what: str, pom: str, goal: str, properties: dict[str, str], into: Path) -> None:
    """Resolve `what` from Maven Central into `into` with Debian's Maven and the project's pom
    (`vroeg.deploy/<pom>/pom.xml`): `dependency:copy-dependencies` for a classpath,
    `dependency:copy` for one jar."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise InfraError(f"no Maven to resolve {what}: install Debian's maven package")
    into.mkdir(parents=True, exist_ok=True)
    with resources.as_file(resources.files("vroeg.deploy") / pom / "pom.xml") as pom_path:
        run(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom_path),
                f"dependency:{goal}",
                *(f"-D{key}={value}" for key, value in properties.items()),
                f"-DoutputDirectory={into}",
            ],
            what=f"resolve {what} from Maven Central",
        )


def port_open(port: int) -> bool:
    """Whether something listens on a port of 127.0.0.1."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pid_alive(pid_file: Path) -> bool:
    """Whether the process a pid file names still runs."""
    try:
        pid = int(pid_file.read_text())
        # A child of ours that exited stays a zombie, which signal 0 still finds, until reaped
        # (a test that started the broker itself would wait for it to the timeout).
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def stop_pid(pid_file: Path, *, timeout: float) -> None:
    """SIGTERM the process a pid file names, SIGKILL if it outlasts `timeout`."""
    if not pid_alive(pid_file):
        pid_file.unlink(missing_ok=True)
        return
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and pid_alive(pid_file):
        time.sleep(0.2)
    if pid_alive(pid_file):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def wait_for(
    ready: Callable[[], bool],
    timeout: float,
    what: str,
    log: Path,
    process: subprocess.Popen[bytes],
) -> None:
    """Wait until `ready()` holds; `InfraError` if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if process.poll() is not None:
            tail = log.read_text()[-3000:] if log.exists() else ""
            raise InfraError(f"{what} exited with {process.returncode}:\n{tail}")
        time.sleep(0.3)
    raise InfraError(f"{what} did not come up within {timeout:.0f}s; see {log}")
