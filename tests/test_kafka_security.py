"""Kafka over SASL_SSL: a broker of this test's own (its own ports and state folder, never the
shared one) whose only listener wants TLS, verified against a CA of the test's own, and a SCRAM
password. Services publish and consume through it; a wrong password gets no connection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from tests.support.fixtures import Isolation, platform_for
from tests.support.kafka import client_options, free_port_pair, publish, read_events
from tests.support.pki import make_pki
from tests.support.signals import resident_signal
from vroeg.deploy import infra
from vroeg.deploy.processes import ProcessError
from vroeg.shared.events import Route
from vroeg.shared.settings import KafkaConnection
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED

USER, PASSWORD = "vroeg-brp-check", "a-scram-password"


@dataclass(frozen=True)
class SecuredKafka:
    """The throwaway broker and what a client needs to reach it."""

    bootstrap: str
    ca_file: str

    def env(self, password: str = PASSWORD, mechanism: str = "SCRAM-SHA-512") -> dict[str, str]:
        """A service's settings for this broker."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": mechanism,
            "KAFKA_SASL_USERNAME": USER,
            "KAFKA_SASL_PASSWORD": password,
            "KAFKA_SSL_CA_FILE": self.ca_file,
        }

    def connection(self, **kw: str) -> KafkaConnection:
        """A test client's connection, as a service would make it."""
        return KafkaConnection.model_validate(self.env(**kw))


@pytest.fixture(scope="module")
def secured_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredKafka]:
    """A broker with a SASL_SSL listener only, started for these tests and stopped after."""
    folder = tmp_path_factory.mktemp("secured-kafka")
    pki = make_pki(folder, client="unused")
    keystore = folder / "broker.pem"  # Kafka's PEM keystore: the key, then its certificate
    keystore.write_text(Path(pki["server_key"]).read_text() + Path(pki["server_cert"]).read_text())
    port = free_port_pair()
    home = folder / "kafka"
    listener = infra.SaslSslListener(
        keystore=keystore,
        truststore=Path(pki["ca"]),
        users={"broker": "broker-password", USER: PASSWORD},
        inter_broker_user="broker",
    )
    try:
        yield SecuredKafka(infra.kafka_up(home=home, port=port, sasl_ssl=listener), pki["ca"])
    finally:
        infra.kafka_down(home)


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256"])
async def test_a_service_consumes_and_publishes_through_a_sasl_ssl_broker(
    secured_kafka: SecuredKafka, isolation: Isolation, tmp_path: Path, mechanism: str
) -> None:
    iso = Isolation(secured_kafka.bootstrap, isolation.database_url, isolation.topic_prefix)
    platform = platform_for(iso, tmp_path / "logs", secured_kafka.env(mechanism=mechanism))
    kafka = secured_kafka.connection(mechanism=mechanism)
    try:
        platform.start(["brp-standin", "brp-check"])
        event = resident_signal(1)
        await publish(kafka, iso.topic(SIGNAL_RECEIVED.name), [event])
        routed = await read_events(kafka, iso.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=1)
    finally:
        platform.stop()
    assert [e.signal.signal_id for e in routed] == [event.signal.signal_id]  # type: ignore[attr-defined]


async def test_a_service_with_a_wrong_password_gets_no_connection_and_does_not_start(
    secured_kafka: SecuredKafka, isolation: Isolation, tmp_path: Path
) -> None:
    iso = Isolation(secured_kafka.bootstrap, isolation.database_url, isolation.topic_prefix)
    platform = platform_for(iso, tmp_path / "logs", secured_kafka.env(password="wrong"))
    try:
        with pytest.raises(ProcessError, match="exited"):
            platform.start(["brp-check"], timeout=120)
    finally:
        platform.stop()
    assert "SaslAuthenticationFailed" in platform["brp-check"].tail(20_000)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"KAFKA_SASL_PASSWORD": "wrong"}, id="wrong-password"),
        pytest.param({"KAFKA_SASL_USERNAME": "nobody"}, id="unknown-user"),
        # The broker's certificate is signed by the test's CA, not by one the system trusts.
        pytest.param({"KAFKA_SSL_CA_FILE": None}, id="broker-not-trusted"),
        pytest.param(None, id="plaintext"),
    ],
)
async def test_a_client_without_the_right_credentials_gets_no_connection(
    secured_kafka: SecuredKafka, changes: dict[str, str | None] | None
) -> None:
    kafka: str | KafkaConnection = secured_kafka.bootstrap
    if changes is not None:
        env = {k: v for k, v in {**secured_kafka.env(), **changes}.items() if v is not None}
        kafka = KafkaConnection.model_validate(env)
    producer = AIOKafkaProducer(**client_options(kafka), request_timeout_ms=5000)
    with pytest.raises(KafkaError):
        await producer.start()
    await producer.stop()
