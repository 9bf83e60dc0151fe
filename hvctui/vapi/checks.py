"""Checks of single values that several models share (host names, groups, server addresses).
Plain functions, cheap to import; each raises ValueError with a sentence that names the value.
Thumbprints and PEM certificates are checked in vapi/certs.py; the CreateSpec's own rules live
on the model (vapi/models.py)."""

from __future__ import annotations

import re

_HOST = re.compile(r"[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*")
_GROUP = re.compile(r"[^@\s]+@[^@\s]+")


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
