"""Checks of single values that several models share (host names, thumbprints, PEM
certificates, groups, server addresses). Plain functions: cheap to import; each raises ValueError with a sentence
that names the value. The CreateSpec's own rules live on the model (vapi/models.py)."""

from __future__ import annotations

import re

_HEX_PAIRS = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}")
_HEX_64 = re.compile(r"[0-9A-Fa-f]{64}")
_HOST = re.compile(r"[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*")
_GROUP = re.compile(r"[^@\s]+@[^@\s]+")


def normalize_thumbprint(value: str) -> str:
    """A SHA-256 thumbprint as vSphere prints it: 32 colon-separated upper-case hex pairs.

    Accepts that form or 64 bare hex digits; raises ValueError otherwise.
    """
    text = value.strip()
    if text.isascii() and _HEX_PAIRS.fullmatch(text):
        return text.upper()
    if text.isascii() and _HEX_64.fullmatch(text):
        return ":".join(text[i : i + 2] for i in range(0, 64, 2)).upper()
    raise ValueError(
        "a SHA-256 thumbprint is 32 colon-separated hex pairs (AB:CD:...) or 64 hex digits"
    )


#: How a message about the PSC host names the port's own field; a face that calls it
#: something else (the CLI: --psc-port) puts its own words in its place (service.NotReady).
PORT_FIELD = "the port field"


def check_host(value: str) -> str:
    """A bare host name or address: no scheme, no port, no path."""
    text = value.strip()
    if not text:
        raise ValueError("is required")
    shown = repr(text[:60])
    if "://" in text:
        raise ValueError(f"{shown} is a URL: give the host name alone (no https://)")
    if text.count(":") == 1:
        host, _, port = text.partition(":")
        raise ValueError(f"{shown} carries a port: give the host ({host!r}) here and the port "
                         f"({port!r}) in {PORT_FIELD}")
    if not (text.isascii() and _HOST.fullmatch(text)):
        raise ValueError(f"{shown} is not a host name (letters, digits, '.', '-' only)")
    return text


def check_group(value: str) -> str:
    text = value.strip()
    if not (_GROUP.fullmatch(text) and text.isprintable()):
        raise ValueError(f"{text[:60]!r} is not a group written group@domain")
    return text


def check_groups(values: list[str]) -> list[str]:
    """Groups written group@domain, blanks dropped, none listed twice (case-insensitive)."""
    groups = [check_group(g) for g in values if g.strip()]
    seen: set[str] = set()
    for group in groups:
        if group.lower() in seen:
            raise ValueError(f"{group!r} is listed twice")
        seen.add(group.lower())
    return groups


def split_server(server: str, default_port: int = 443) -> tuple[str, int]:
    """`host[:port]` (or `[v6]:port`, or an https:// URL) as host and port."""
    text = server.strip()
    shown = repr(server[:60])
    if text.startswith("http://"):
        raise ValueError(f"{shown}: vCenter's API is HTTPS only; give host[:port]")
    text = text.removeprefix("https://").split("/", 1)[0]
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise ValueError(f"{shown} is not a server address (host or host:port)")
        port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    elif text.count(":") > 1:
        raise ValueError(f"{shown}: an IPv6 address is written [address]:port")
    else:
        host, port = text, ""
    if not host or not host.isascii() or not _HOST.fullmatch(host if ":" not in host
                                                              else f"[{host}]"):
        raise ValueError(f"{shown} is not a server address (host or host:port)")
    if port and not (port.isascii() and port.isdigit() and len(port) <= 5
                     and 1 <= int(port) <= 65535):
        raise ValueError(f"{shown}: {port[:20]!r} is not a port number from 1 to 65535")
    return host, int(port) if port else default_port


def pem_to_der(pem: str) -> bytes:
    import ssl

    return ssl.PEM_cert_to_DER_cert(pem.strip() + "\n")


#: A PEM certificate longer than this is refused: a leaf certificate is a few KiB.
MAX_PEM_CHARS = 16 * 1024
_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"


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
