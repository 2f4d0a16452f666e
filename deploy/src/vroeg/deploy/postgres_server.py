"""A local PostgreSQL server from Debian's binaries, in a data folder of our own, run as an
unprivileged user."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from vroeg.deploy.servers import InfraError, port_open, run, state_dir

PG_PORT = int(os.environ.get("VROEG_PG_PORT", "54329"))
PG_USER = "vroeg"
PG_PASSWORD = "vroeg"  # development only: the server listens on loopback alone
PG_DATABASE = "vroeg"


def _pg_home() -> Path:
    """PostgreSQL's folder; as root, one the unprivileged `postgres` user can reach."""
    if os.geteuid() != 0:
        return state_dir() / "postgres"
    digest = hashlib.sha256(str(state_dir()).encode()).hexdigest()[:10]
    return Path("/var/tmp") / f"vroeg-{digest}" / "postgres"


def _find_pg_bin(name: str) -> str | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else shutil.which(name)


def _pg_bin(name: str) -> str:
    """A PostgreSQL program; installs Debian's package first when we are root and lack it."""
    found = _find_pg_bin(name)
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        run(["apt-get", "update", "-qq"], what="update Debian's package lists")
        run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
            what="install Debian's postgresql package",
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = _find_pg_bin(name)
    if found is None:
        raise InfraError(
            "PostgreSQL is not installed: run `sudo apt-get install postgresql`, "
            "or set DATABASE_URL to an existing server"
        )
    return found


def _as_pg_user(argv: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as `postgres` when we are root."""
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def postgres_up() -> str:
    """Start the server (initialised at first) and create the database; its URL."""
    url = f"postgresql+asyncpg://{PG_USER}:{PG_PASSWORD}@127.0.0.1:{PG_PORT}/{PG_DATABASE}"
    home = _pg_home()
    data = home / "data"
    if port_open(PG_PORT):
        if (data / "postmaster.pid").exists():
            return url
        raise InfraError(
            f"port {PG_PORT} is taken by another process; set VROEG_PG_PORT or DATABASE_URL"
        )
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    home.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(home.parent, "postgres")
        shutil.chown(home, "postgres")
    if not (data / "PG_VERSION").exists():
        password_file = home / "pwfile"
        password_file.write_text(PG_PASSWORD + "\n")
        if os.geteuid() == 0:
            shutil.chown(password_file, "postgres")
        run(
            _as_pg_user(
                [
                    initdb,
                    "-D",
                    str(data),
                    "-U",
                    PG_USER,
                    f"--pwfile={password_file}",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            what="initialise the PostgreSQL data folder",
        )
        password_file.unlink()
    options = (
        f"-p {PG_PORT} -k {home} -c listen_addresses=127.0.0.1 -c max_connections=400 "
        "-c shared_buffers=256MB"
    )
    run(
        _as_pg_user(
            [
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(home / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        what="start PostgreSQL",
    )
    # Over the server's socket folder, as the server's own superuser.
    psql = [_pg_bin("psql"), "-h", str(home), "-p", str(PG_PORT), "-U", PG_USER, "-d", "postgres"]
    exists = subprocess.run(
        _as_pg_user([*psql, "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'"]),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        run(
            _as_pg_user([*psql, "-c", f"CREATE DATABASE {PG_DATABASE}"]),
            what="create the vroeg database",
        )
    return url


def postgres_down() -> None:
    """Stop the server this tool started."""
    data = _pg_home() / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_pg_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            check=False,
        )
