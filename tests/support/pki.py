"""A certificate authority of a test's own: a CA, a server certificate for 127.0.0.1 and a
client certificate, as PEM files (for mutual TLS towards the BRP, TLS towards Kafka)."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

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


def make_pki(folder: Path, *, client: str) -> dict[str, str]:
    """Paths of PEM files: `ca`, `server_cert`, `server_key` (127.0.0.1), `client_cert` and
    `client_key` (common name `client`); keys in PKCS#8, unencrypted."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("vroeg test CA", ca_key, None)
    ca_path, _ = _write(folder / "ca", ca, ca_key)
    issuer = (ca.subject, ca_key)
    server_key, client_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    server = _write(
        folder / "server", _certificate("127.0.0.1", server_key, issuer, server=True), server_key
    )
    client_files = _write(folder / "client", _certificate(client, client_key, issuer), client_key)
    return {
        "ca": ca_path,
        "server_cert": server[0],
        "server_key": server[1],
        "client_cert": client_files[0],
        "client_key": client_files[1],
    }
