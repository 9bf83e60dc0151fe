"""Certificates as values: SHA-256 thumbprints, PEM text, and what a person reads to trust one.

No I/O and no other hvctui module: trust toward vCenter (tls.py), the PSC check (psccheck.py),
the CreateSpec (models.py), the profile store and the simulator all hash and read certificates
here, so a thumbprint is written one way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

_HEX_PAIRS = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}")
_HEX_64 = re.compile(r"[0-9A-Fa-f]{64}")

#: A PEM certificate longer than this is refused: a leaf certificate is a few KiB.
MAX_PEM_CHARS = 16 * 1024
_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"


def normalize_thumbprint(value: str) -> str:
    """A SHA-256 thumbprint as vSphere prints it: 32 colon-separated upper-case hex pairs.

    Accepts that form or 64 bare hex digits; raises ValueError otherwise.
    """
    text = value.strip()
    if text.isascii() and _HEX_PAIRS.fullmatch(text):
        return text.upper()
    if text.isascii() and _HEX_64.fullmatch(text):
        return ":".join(text[i : i + 2] for i in range(0, 64, 2)).upper()
    shown = text if len(text) <= 40 else text[:40] + "…"
    raise ValueError(f"{shown!r} is not a SHA-256 thumbprint: that is 32 colon-separated hex "
                     "pairs (AB:CD:...) or 64 hex digits")


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{b:02X}" for b in digest)


def sha256_thumbprint(der: bytes) -> str:
    """The SHA-256 thumbprint of a DER certificate, as `normalize_thumbprint` writes it."""
    import hashlib  # when used: the TUI's first frame has no certificate to hash (1.4 ms)

    return _colon_hex(hashlib.sha256(der).digest())


def pem_to_der(pem: str) -> bytes:
    """The DER bytes of a PEM certificate; ValueError if it is not one."""
    import ssl  # lazy: the profile store checks thumbprints at start-up without needing ssl

    return ssl.PEM_cert_to_DER_cert(pem.strip() + "\n")


def pem_certificate(text: str) -> str:
    """One PEM certificate in canonical form (re-encoded from its DER: nothing before, after or
    hidden inside it); ValueError says what is wrong.

    `ssl.PEM_cert_to_DER_cert` stops decoding at the base64 padding, so text after it would pass
    a hash check: the certificate is kept only if its own re-encoding is what was given.
    """
    import ssl

    if len(text) > MAX_PEM_CHARS:
        raise ValueError(f"is {len(text)} characters long; a PEM certificate here is at most "
                         f"{MAX_PEM_CHARS}")
    pem = text.strip()
    count = pem.count(_BEGIN)
    if count != 1 or not pem.startswith(_BEGIN):
        raise ValueError(f"must be one PEM certificate ({_BEGIN} ... {_END})" if count <= 1 else
                         f"holds {count} certificates: give the PSC's own (leaf) certificate "
                         "alone")
    if not pem.endswith(_END):
        raise ValueError(f"has text after its {_END} line")
    try:
        der = pem_to_der(pem)
        from cryptography import x509

        x509.load_der_x509_certificate(der)
    except (ValueError, TypeError):
        raise ValueError("is not a readable PEM certificate") from None
    canonical = ssl.DER_cert_to_PEM_cert(der)
    if "".join(canonical.split()) != "".join(pem.split()):
        raise ValueError("holds data beyond the certificate itself (inside its base64, after "
                         "the padding)")
    return canonical if canonical.endswith("\n") else canonical + "\n"


@dataclass(frozen=True)
class CertificateDetails:
    """What a person needs to decide whether to trust a certificate."""

    sha256: str
    sha1: str
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    pem: str

    @property
    def self_signed(self) -> bool:
        return self.subject == self.issuer


def certificate_details(der: bytes) -> CertificateDetails:
    """The details of a DER certificate; ValueError if it cannot be parsed."""
    import ssl

    import hashlib

    from cryptography import x509  # lazy: only the trust dialog and the checks need it

    cert = x509.load_der_x509_certificate(der)
    return CertificateDetails(
        sha256=sha256_thumbprint(der),
        # Shown beside the SHA-256 one (older tools print it); never trusted.
        sha1=_colon_hex(hashlib.sha1(der).digest()),  # noqa: S324
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        pem=ssl.DER_cert_to_PEM_cert(der),
    )


def details_from_pem(pem: str) -> CertificateDetails | None:
    """The details of a PEM certificate a server sent, or None if it is not a readable one."""
    try:
        return certificate_details(pem_to_der(pem))
    except Exception:  # noqa: BLE001 - a bad PEM from a server: the thumbprint alone is shown
        return None
