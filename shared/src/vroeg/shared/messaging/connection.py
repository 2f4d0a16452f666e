"""How every Kafka client connects: the broker's address and its security (SASL_SSL, SCRAM).

Producer, consumer and admin clients of the services, the tests and the `vroeg` command all
take their connection keyword arguments from `kafka_client_options`, so one setting secures
each of them.
"""

from __future__ import annotations

from typing import Any

from aiokafka.helpers import create_ssl_context

from vroeg.shared.settings import KafkaConnection


def kafka_client_options(connection: KafkaConnection) -> dict[str, Any]:
    """The connection keyword arguments of an aiokafka client (producer, consumer, admin)."""
    options: dict[str, Any] = {
        "bootstrap_servers": connection.kafka_bootstrap_servers,
        "security_protocol": connection.kafka_security_protocol,
    }
    if connection.kafka_security_protocol == "SASL_SSL":
        password = connection.kafka_sasl_password  # set: the settings make sure
        options |= {
            # Verifies the broker's certificate and host name against the CA bundle.
            "ssl_context": create_ssl_context(cafile=connection.kafka_ssl_ca_file),
            "sasl_mechanism": connection.kafka_sasl_mechanism,
            "sasl_plain_username": connection.kafka_sasl_username,
            "sasl_plain_password": password.get_secret_value() if password else None,
        }
    return options
