"""Certificates for the simulator (and for tests of trust): made at start, never stored."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class KeyPair:
    cert_pem: bytes
    key_pem: bytes
    der: bytes
    _key: ec.EllipticCurvePrivateKey
    _name: x509.Name


def make_certificate(
    common_name: str = "hvctui simulator",
    hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1"),
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    issuer: KeyPair | None = None,
    is_ca: bool = False,
) -> KeyPair:
    """An EC P-256 certificate for `hosts`, self-signed unless `issuer` signs it."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hvctui"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    sans: list[x509.GeneralName] = []
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer._name if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    # As a conforming CA issues them (RFC 5280): Python 3.13 verifies with VERIFY_X509_STRICT,
    # which refuses a CA without key usage and an issued certificate without these key ids.
    builder = builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer._key.public_key()),
            critical=False)
    if is_ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
    cert = builder.sign(issuer._key if issuer else key, hashes.SHA256())
    return KeyPair(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        der=cert.public_bytes(serialization.Encoding.DER),
        _key=key,
        _name=name,
    )


@contextlib.contextmanager
def pem_files(keypair: KeyPair) -> Iterator[tuple[str, str]]:
    """The certificate's and the key's PEM files (0600), which exist only meanwhile."""
    with tempfile.TemporaryDirectory(prefix="hvctui-sim-") as folder:
        paths = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
        for path, data in zip(paths, (keypair.cert_pem, keypair.key_pem)):
            with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
                f.write(data)
        yield paths
