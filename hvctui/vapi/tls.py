"""TLS trust toward the cloud vCenter: system CAs, a CA file, a pinned certificate, or insecure.

A pin is enforced before any credential is sent: a handshake-only probe fetches the server's
certificate, its SHA-256 is compared with the pin, and the connection that then carries
requests trusts that one certificate as its only anchor. An impostor therefore fails the
handshake of the request connection too, before a single byte of HTTP is written.
"""

from __future__ import annotations

import asyncio
import socket
import ssl

from hvctui._compat import timeout as within
from hvctui.vapi.certs import (
    CertificateDetails,
    certificate_details,
    normalize_thumbprint,
    sha256_thumbprint,
)
from hvctui.vapi.connection import TlsPolicy
from hvctui.vapi.errors import NetworkError, TlsError
from hvctui.vapi.text import one_line


def resolve_host(host: str, port: int) -> list[tuple[int, tuple[object, ...]]]:
    """The addresses to try for host:port (a seam: tests keep names off the real DNS)."""
    return [(family, address) for family, _, _, _, address
            in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class Unread(Exception):
    """A server's certificate could not be read. `why` says so in words; `handshake`: the
    connection was made and TLS failed; `timed_out`: a step got no answer in time."""

    def __init__(self, why: str, handshake: bool = False, timed_out: bool = False) -> None:
        super().__init__(why)
        self.why, self.handshake, self.timed_out = why, handshake, timed_out


async def read_certificate(host: str, port: int, timeout: float) -> bytes:
    """The DER leaf certificate host:port presents, by a TLS handshake alone: nothing is sent
    and nothing trusted by it. Each step (resolve, connect, handshake) is bounded by `timeout`
    and cancellable (ctrl+c, escape) at any moment; raises `Unread` saying which failed."""
    loop = asyncio.get_running_loop()
    try:
        async with within(timeout):
            addresses = await loop.run_in_executor(None, resolve_host, host, port)
    except (OSError, UnicodeError):
        addresses = []
    except TimeoutError:
        raise Unread(f"{host} did not resolve within {timeout:g} s", timed_out=True) from None
    if not addresses:
        raise Unread(f"{host} does not resolve from this machine")
    why = Unread("")
    for family, address in addresses:
        with socket.socket(family, socket.SOCK_STREAM) as raw:
            raw.setblocking(False)
            try:
                async with within(timeout):
                    await loop.sock_connect(raw, address)
            except ConnectionRefusedError:
                why = Unread(f"{host}:{port} refused the connection")
                continue
            except TimeoutError:
                why = Unread(f"{host}:{port} did not answer within {timeout:g} s", timed_out=True)
                continue
            except OSError as exc:
                why = Unread(f"cannot connect to {host}:{port} ({exc.strerror or exc})")
                continue
            return await _handshake(raw, host, port, timeout)
    raise why


async def _handshake(raw: socket.socket, host: str, port: int, timeout: float) -> bytes:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only read: nothing is trusted, nothing is sent
    try:
        async with within(timeout):
            _, writer = await asyncio.open_connection(sock=raw.dup(), ssl=context,
                                                      server_hostname=host)
    except TimeoutError:
        raise Unread(f"{host}:{port} accepted the connection but did not complete a TLS "
                     f"handshake within {timeout:g} s", handshake=True, timed_out=True) from None
    except (ssl.SSLError, OSError) as exc:
        reason = one_line(str(getattr(exc, "reason", None) or exc or type(exc).__name__), 120)
        raise Unread(f"{host}:{port} does not speak TLS ({reason})", handshake=True) from None
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    finally:
        writer.close()
    if not der:
        raise Unread(f"{host}:{port} presented no certificate", handshake=True)
    return bytes(der)


async def read_server_certificate(host: str, port: int, timeout: float = 10.0) -> bytes:
    """`read_certificate` for the vCenter: its failure as the error a face reports."""
    try:
        return await read_certificate(host, port, timeout)
    except Unread as unread:
        if unread.timed_out:
            raise NetworkError("Timed out", unread.why, "Check that vCenter is up and that "
                               "this is its HTTPS port, then try again.") from None
        if unread.handshake:
            raise TlsError("handshake", unread.why) from None
        raise NetworkError("Cannot connect", unread.why, f"Check that {host} resolves and "
                           "that the port is open from this host.") from None


async def probe_certificate(host: str, port: int, timeout: float = 10.0) -> CertificateDetails:
    """The server certificate's SHA-256, SHA-1, subject, issuer and validity; sends no request."""
    return certificate_details(await read_server_certificate(host, port, timeout))


def build_ssl_context(policy: TlsPolicy, pinned_der: bytes | None = None) -> ssl.SSLContext:
    """The SSL context for the request connection under `policy`."""
    if policy.mode == "insecure":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if policy.mode == "ca_file":
        if not policy.ca_file:
            raise TlsError("untrusted", "TLS mode ca_file needs a CA file", "Give --ca-file PATH.")
        try:
            return ssl.create_default_context(cafile=policy.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise TlsError(
                "untrusted",
                f"cannot read the CA file {policy.ca_file}: {exc}",
                "Give a PEM file holding the CA certificates that signed vCenter's certificate.",
            ) from None
    if policy.mode == "pinned":
        if pinned_der is None:
            raise TlsError("pin_mismatch", "no certificate was fetched for the pin")
        context = ssl.create_default_context(cadata=ssl.DER_cert_to_PEM_cert(pinned_der))
        context.check_hostname = False
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        # The pin says which certificate to trust; its dates were shown when it was accepted.
        context.verify_flags |= 0x200000  # X509_V_FLAG_NO_CHECK_TIME
        return context
    return ssl.create_default_context()


def check_pin(policy: TlsPolicy, der: bytes, where: str) -> None:
    """Raise TlsError unless `der` is the pinned certificate."""
    try:
        expected = normalize_thumbprint(policy.pin_sha256)
    except ValueError:
        raise TlsError(
            "pin_mismatch",
            f"the pin {policy.pin_sha256!r} is not a SHA-256 thumbprint",
            "A pin is 32 colon-separated hex pairs or 64 hex digits.",
        ) from None
    actual = sha256_thumbprint(der)
    if actual != expected:
        raise TlsError(
            "pin_mismatch",
            f"{where} presented certificate SHA-256 {actual}, but the pin is {expected}. "
            "Nothing was sent.",
            "If the certificate was replaced on purpose, verify the new thumbprint with the "
            "vCenter administrator and pin it again; otherwise do not proceed.",
        )


def classify_verification_failure(exc: BaseException, where: str, policy: TlsPolicy) -> TlsError:
    """A TlsError that says which trust check failed and how to proceed."""
    code = getattr(exc, "verify_code", None)
    text = getattr(exc, "verify_message", None) or str(exc)
    how = (
        "Pin the certificate after checking its thumbprint (tls = \"pinned\", or --pin SHA256), "
        "or give the CA that signed it (--ca-file PATH)."
    )
    if code == 10:
        return TlsError(
            "expired",
            f"{where}: the certificate has expired ({text}).",
            "Renew vCenter's certificate; or, if you must proceed, pin it (--pin SHA256).",
        )
    if code == 62 or "hostname" in text.lower() or "ip address mismatch" in text.lower():
        return TlsError(
            "hostname",
            f"{where}: the certificate is not for this host name ({text}).",
            "Use the host name the certificate was issued for, or pin the certificate "
            "(--pin SHA256) after checking its thumbprint.",
        )
    if code in (18, 19, 20, 21) or "self" in text.lower() or "issuer" in text.lower():
        source = policy.ca_file if policy.mode == "ca_file" else "the system CA store"
        return TlsError(
            "untrusted",
            f"{where}: the certificate is not signed by a CA in {source} ({text}).",
            how,
        )
    return TlsError("untrusted", f"{where}: certificate verification failed ({text}).", how)


def find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    """The ssl error behind an httpx/httpcore exception, if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLError):
            return current
        current = current.__cause__ or current.__context__
    return None
