"""A local Apache Kafka broker (KRaft, single node): its jars are resolved from Maven Central
with the machine's Maven into a cache and run on the machine's JDK."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from vroeg.deploy.servers import (
    InfraError,
    cache_dir,
    maven_resolve,
    pid_alive,
    port_open,
    run,
    state_dir,
    stop_pid,
    wait_for,
)

KAFKA_VERSION = "4.1.2"
KAFKA_PORT = int(os.environ.get("VROEG_KAFKA_PORT", "19092"))


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
    if pid_alive(home / "kafka.pid") and port_open(port):
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
        run(
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
    wait_for(
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
    maven_resolve(
        "Kafka's jars", "kafka", "copy-dependencies", {"kafka.version": KAFKA_VERSION}, lib
    )
    return lib


def kafka_down(home: Path | None = None) -> None:
    """Stop the broker started in `home` (`$VROEG_HOME/kafka`)."""
    stop_pid((home or _kafka_dir()) / "kafka.pid", timeout=30)


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
