"""Local infrastructure: Apache Kafka (KRaft, single node) and PostgreSQL, started from nothing.

Kafka's jars are resolved from Maven Central with the machine's Maven into a cache and run on
the machine's JDK; PostgreSQL runs from Debian's binaries in a data folder of our own, as an
unprivileged user. Where `KAFKA_BOOTSTRAP_SERVERS` or `DATABASE_URL` is set, that service is
used as it is and not started.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

KAFKA_VERSION = "4.1.2"
KAFKA_PORT = int(os.environ.get("VROEG_KAFKA_PORT", "19092"))
PG_PORT = int(os.environ.get("VROEG_PG_PORT", "54329"))
PG_USER = "vroeg"
PG_PASSWORD = "vroeg"  # development only: the server listens on loopback alone
PG_DATABASE = "vroeg"


class InfraError(RuntimeError):
    """Infrastructure could not be brought up; the message says what to do."""


@dataclass(frozen=True)
class Endpoints:
    """Where the services find the infrastructure."""

    kafka_bootstrap_servers: str
    database_url: str

    def env(self) -> dict[str, str]:
        """As environment variables for the services."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka_bootstrap_servers,
            "DATABASE_URL": self.database_url,
        }


def state_dir() -> Path:
    """Where infrastructure state lives: `$VROEG_HOME`, else `.vroeg` in the working folder."""
    return Path(os.environ.get("VROEG_HOME", Path.cwd() / ".vroeg")).resolve()


def cache_dir() -> Path:
    """Where resolved Kafka jars are kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache"))
    return Path(base) / "vroeg"


def up() -> Endpoints:
    """Start whatever is not running yet and return the endpoints (idempotent)."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or kafka_up()
    database = os.environ.get("DATABASE_URL") or _postgres_up()
    endpoints = Endpoints(kafka, database)
    env_file = state_dir() / "infra.env"
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text("".join(f"{k}={v}\n" for k, v in endpoints.env().items()))
    return endpoints


def down(*, kafka: bool = True, postgresql: bool = True) -> None:
    """Stop the Kafka broker and PostgreSQL server this tool started."""
    if kafka:
        kafka_down()
    if postgresql:
        _postgres_down()


def status() -> dict[str, bool]:
    """Which of our local services answer."""
    return {"kafka": port_open(KAFKA_PORT), "postgresql": port_open(PG_PORT)}


async def recreate_database(database_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `database_url`; its URL."""
    await _admin_sql(
        database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    return make_url(database_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(database_url: str) -> None:
    """Drop the database `database_url` names."""
    name = make_url(database_url).database
    await _admin_sql(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin_sql(database_url: str, *statements: str) -> None:
    """Run statements in the server's `postgres` database (CREATE/DROP DATABASE need that)."""
    url = make_url(database_url)
    admin = await asyncpg.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, database="postgres"
    )
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


# --- Kafka -------------------------------------------------------------------------------------


def _kafka_dir() -> Path:
    return state_dir() / "kafka"


@dataclass(frozen=True)
class SaslSslListener:
    """Makes the broker's only client listener SASL_SSL (SCRAM-SHA-256 and -512), as a
    production broker is: clients authenticate with a password over TLS."""

    # PEM: the server's private key (PKCS#8, unencrypted) followed by its certificate chain.
    keystore: Path
    # PEM: the CA that signed it; the broker reaches itself through the listener too.
    truststore: Path
    # SCRAM users (name → password), created with the storage when the broker is formatted.
    users: Mapping[str, str]
    # Which of them the broker signs in as on its own listener.
    inter_broker_user: str


def kafka_up(
    *, home: Path | None = None, port: int = KAFKA_PORT, sasl_ssl: SaslSslListener | None = None
) -> str:
    """Start a broker (KRaft, broker and controller in one) keeping its state in `home`
    (`$VROEG_HOME/kafka`), on `port` with its controller on `port + 1`; its bootstrap address.
    A broker already running there is reused."""
    home = home or _kafka_dir()
    bootstrap = f"127.0.0.1:{port}"
    if _pid_alive(home / "kafka.pid") and port_open(port):
        return bootstrap
    if port_open(port):
        raise InfraError(
            f"port {port} is taken by another process; set VROEG_KAFKA_PORT "
            "or KAFKA_BOOTSTRAP_SERVERS"
        )
    java = shutil.which("java")
    if java is None:
        raise InfraError("no JDK: install Debian's default-jre-headless (Java 17 or newer)")
    lib = _kafka_classpath()
    data = home / "data"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "server.properties"
    listeners = (
        _PLAINTEXT_LISTENER.format(port=port, cport=port + 1)
        if sasl_ssl is None
        else _SASL_SSL_LISTENER.format(
            port=port,
            cport=port + 1,
            user=sasl_ssl.inter_broker_user,
            password=sasl_ssl.users[sasl_ssl.inter_broker_user],
            keystore=sasl_ssl.keystore,
            truststore=sasl_ssl.truststore,
        )
    )
    config.write_text(listeners + _KAFKA_CONFIG.format(cport=port + 1, data=data))
    log4j = home / "log4j2.properties"
    log4j.write_text(_LOG4J_CONFIG.format(log=home / "server.log"))
    classpath = f"{lib}/*"
    if not (data / "meta.properties").exists():
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        scram = [
            f"--add-scram={mechanism}=[name={name},password={password}]"
            for name, password in (sasl_ssl.users.items() if sasl_ssl else ())
            for mechanism in SCRAM_MECHANISMS
        ]
        _run(
            [
                java,
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                # One argument with `=`: an id may start with "-" and would read as an option.
                f"--cluster-id={cluster_id}",
                "-c",
                str(config),
                *scram,
            ],
            what="format the Kafka storage",
        )
    with (home / "stdout.log").open("ab") as out:
        process = subprocess.Popen(
            [
                java,
                "-Xms256m",
                "-Xmx768m",
                f"-Dlog4j2.configurationFile={log4j}",
                "-cp",
                classpath,
                "kafka.Kafka",
                str(config),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    (home / "kafka.pid").write_text(str(process.pid))
    _wait_for(
        lambda: port_open(port),
        90,
        f"Kafka on port {port}",
        home / "server.log",
        process,
    )
    return bootstrap


def _kafka_classpath() -> Path:
    """Resolve the broker's jars from Maven Central once; later runs use the cache."""
    lib = cache_dir() / f"kafka-{KAFKA_VERSION}" / "lib"
    if (lib / f"kafka_2.13-{KAFKA_VERSION}.jar").exists():
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise InfraError("no Maven to resolve Kafka's jars: install Debian's maven package")
    pom = resources.files("vroeg.deploy") / "kafka" / "pom.xml"
    lib.mkdir(parents=True, exist_ok=True)
    with resources.as_file(pom) as pom_path:
        _run(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom_path),
                "dependency:copy-dependencies",
                f"-Dkafka.version={KAFKA_VERSION}",
                f"-DoutputDirectory={lib}",
            ],
            what="resolve Kafka from Maven Central",
        )
    return lib


def kafka_down(home: Path | None = None) -> None:
    """Stop the broker started in `home` (`$VROEG_HOME/kafka`)."""
    _stop_pid((home or _kafka_dir()) / "kafka.pid", timeout=30)


SCRAM_MECHANISMS = ("SCRAM-SHA-256", "SCRAM-SHA-512")

_PLAINTEXT_LISTENER = """\
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
"""

# The controller stays on loopback in plain text; every client comes through SASL_SSL.
_SASL_SSL_LISTENER = """\
listeners=SASL_SSL://127.0.0.1:{port},CONTROLLER://127.0.0.1:{cport}
advertised.listeners=SASL_SSL://127.0.0.1:{port}
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_SSL
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=\
org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=\
org.apache.kafka.common.security.scram.ScramLoginModule required \
username="{user}" password="{password}";
ssl.keystore.type=PEM
ssl.keystore.location={keystore}
ssl.truststore.type=PEM
ssl.truststore.location={truststore}
"""

_KAFKA_CONFIG = """\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{cport}
controller.listener.names=CONTROLLER
log.dirs={data}
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
"""

_LOG4J_CONFIG = """\
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName={log}
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=WARN
logger.apache.name=org.apache.kafka
logger.apache.level=WARN
"""


# --- PostgreSQL ----------------------------------------------------------------------------------


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
        _run(["apt-get", "update", "-qq"], what="update Debian's package lists")
        _run(
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


def _postgres_up() -> str:
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
        _run(
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
    _run(
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
    psql = _pg_bin("psql")
    exists = subprocess.run(
        _as_pg_user(
            [
                psql,
                "-h",
                str(home),
                "-p",
                str(PG_PORT),
                "-U",
                PG_USER,
                "-d",
                "postgres",
                "-tAc",
                f"SELECT 1 FROM pg_database WHERE datname = '{PG_DATABASE}'",
            ]
        ),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if exists != "1":
        _run(
            _as_pg_user(
                [
                    psql,
                    "-h",
                    str(home),
                    "-p",
                    str(PG_PORT),
                    "-U",
                    PG_USER,
                    "-d",
                    "postgres",
                    "-c",
                    f"CREATE DATABASE {PG_DATABASE}",
                ]
            ),
            what="create the vroeg database",
        )
    return url


def _postgres_down() -> None:
    data = _pg_home() / "data"
    if (data / "postmaster.pid").exists():
        subprocess.run(
            _as_pg_user([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            capture_output=True,
            check=False,
        )


# --- helpers ------------------------------------------------------------------------------------


def _run(argv: list[str], *, what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise InfraError(f"could not {what}: {' '.join(argv)}\n{result.stdout}{result.stderr}")


def port_open(port: int) -> bool:
    """Whether something listens on a port of 127.0.0.1."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid_file: Path) -> bool:
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


def _stop_pid(pid_file: Path, *, timeout: float) -> None:
    if not _pid_alive(pid_file):
        pid_file.unlink(missing_ok=True)
        return
    pid = int(pid_file.read_text())
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(pid_file):
        time.sleep(0.2)
    if _pid_alive(pid_file):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)


def _wait_for(
    ready: Callable[[], bool],
    timeout: float,
    what: str,
    log: Path,
    process: subprocess.Popen[bytes],
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if process.poll() is not None:
            tail = log.read_text()[-3000:] if log.exists() else ""
            raise InfraError(f"{what} exited with {process.returncode}:\n{tail}")
        time.sleep(0.3)
    raise InfraError(f"{what} did not come up within {timeout:.0f}s; see {log}")
