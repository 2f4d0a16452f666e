"""brp-check reaches a BRP gateway that demands mutual TLS and an OAuth2 token, with real
certificates: a CA of the test's own, a server certificate for 127.0.0.1, a client certificate
for the municipality."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.db import eventually
from tests.support.fixtures import Isolation, PlatformFactory
from tests.support.kafka import publish, read_events
from tests.support.signals import resident_signal
from vroeg.deploy.processes import BRP_BASE_PATH
from vroeg.shared.events import Route
from vroeg.shared.topics import ROUTE_TOPICS, SIGNAL_RECEIVED

Key = ec.EllipticCurvePrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str, key: Key, issuer: tuple[x509.Name, Key] | None, *, server: bool = False
) -> x509.Certificate:
    now = datetime.now(UTC)
    issuer_name, issuer_key = issuer or (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is not None:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate, key: Key) -> tuple[str, str]:
    cert_path, key_path = path.with_suffix(".crt"), path.with_suffix(".key")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, str]:
    """A CA, the gateway's server certificate and the municipality's client certificate."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("vroeg test CA", ca_key, None)
    ca_path, _ = _write(tmp_path / "ca", ca, ca_key)
    issuer = (ca.subject, ca_key)
    server_key, client_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    server = _write(
        tmp_path / "server", _certificate("127.0.0.1", server_key, issuer, server=True), server_key
    )
    client = _write(
        tmp_path / "client", _certificate("gemeente-0363", client_key, issuer), client_key
    )
    return {
        "ca": ca_path,
        "server_cert": server[0],
        "server_key": server[1],
        "client_cert": client[0],
        "client_key": client[1],
    }


async def test_over_mutual_tls_with_a_token_signals_are_routed_and_strangers_are_refused(
    isolation: Isolation, make_platform: PlatformFactory, pki: dict[str, str]
) -> None:
    platform = make_platform()
    brp, check = platform["brp-standin"], platform["brp-check"]
    gateway = f"https://127.0.0.1:{brp.port}"
    brp.env.update(
        {
            "VROEG_TLS_CERT": pki["server_cert"],
            "VROEG_TLS_KEY": pki["server_key"],
            "VROEG_TLS_CLIENT_CA": pki["ca"],
            "VROEG_BRP_OAUTH_CLIENTS": "gemeente-0363:s3cret",
        }
    )
    check.env.update(
        {
            "BRP_BASE_URL": f"{gateway}{BRP_BASE_PATH}",
            "BRP_OAUTH_TOKEN_URL": f"{gateway}/oauth/token",
            "BRP_OAUTH_CLIENT_ID": "gemeente-0363",
            "BRP_OAUTH_CLIENT_SECRET": "s3cret",
            "BRP_CA_BUNDLE": pki["ca"],
            "BRP_CLIENT_CERT": pki["client_cert"],
            "BRP_CLIENT_KEY": pki["client_key"],
        }
    )
    brp.start()
    trusted = ssl.create_default_context(cafile=pki["ca"])
    trusted.load_cert_chain(pki["client_cert"], pki["client_key"])

    async def health() -> int:
        try:
            async with httpx.AsyncClient(verify=trusted) as http:
                return (await http.get(f"{gateway}/health")).status_code
        except httpx.HTTPError:
            return 0

    assert await eventually(health, lambda status: status == 200, timeout=60) == 200
    # Without a client certificate the gateway does not finish the handshake.
    stranger = ssl.create_default_context(cafile=pki["ca"])
    with pytest.raises(httpx.HTTPError):
        async with httpx.AsyncClient(verify=stranger) as http:
            await http.get(f"{gateway}/health")

    platform.start(["brp-check"])
    event = resident_signal(1)
    await publish(isolation.kafka, isolation.topic(SIGNAL_RECEIVED.name), [event])
    routed = await read_events(
        isolation.kafka, isolation.topic(ROUTE_TOPICS[Route.RESIDENT].name), expect=1
    )
    assert [e.signal.signal_id for e in routed] == [event.signal.signal_id]  # type: ignore[attr-defined]
