"""Checks of single values (hosts, ports, thumbprints, groups), shared by the wire models,
the config file and the form. Plain functions: cheap to import, each raises ValueError
with a sentence that names the value."""

from __future__ import annotations

import re

_HEX_PAIRS = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$")
_HEX_64 = re.compile(r"^[0-9A-Fa-f]{64}$")
_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]+$")
_GROUP = re.compile(r"^[^@\s]+@[^@\s]+$")


def normalize_thumbprint(value: str) -> str:
    """A SHA-256 thumbprint as vSphere prints it: 32 colon-separated upper-case hex pairs.

    Accepts that form or 64 bare hex digits; raises ValueError otherwise.
    """
    text = value.strip()
    if _HEX_PAIRS.match(text):
        return text.upper()
    if _HEX_64.match(text):
        return ":".join(text[i : i + 2] for i in range(0, 64, 2)).upper()
    raise ValueError(
        "a SHA-256 thumbprint is 32 colon-separated hex pairs (AB:CD:...) or 64 hex digits"
    )


def check_host(value: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError("is required")
    if not _HOST.match(text):
        raise ValueError(f"{text!r} is not a host name (no spaces or other characters)")
    return text


def check_port(value: str | int) -> str:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"{text!r} is not a port number from 1 to 65535")
    return str(int(text))


def check_group(value: str) -> str:
    text = value.strip()
    if not _GROUP.match(text):
        raise ValueError(f"{text!r} is not a group written group@domain")
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
    """`host[:port]` (or `[v6]:port`, or a URL) as host and port."""
    text = server.strip()
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = text.split("/", 1)[0]
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, ""
    if not host or any(c.isspace() for c in host):
        raise ValueError(f"{server!r} is not a server address (host or host:port)")
    if port and (not port.isdigit() or not 1 <= int(port) <= 65535):
        raise ValueError(f"{server!r}: {port!r} is not a port number from 1 to 65535")
    return host, int(port) if port else default_port


# --- the CreateSpec's fields: one rule each, used by the pydantic model and the plain spec ---


def check_text(value: str) -> str:
    """A required single word (an SSO domain or a user name)."""
    text = value.strip()
    if not text:
        raise ValueError("is required")
    if any(c.isspace() for c in text):
        raise ValueError(f"{text!r} must not contain spaces")
    return text


def optional_port(value: str | int | None) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return check_port(value)


def optional_thumbprint(value: str | None) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return normalize_thumbprint(str(value))


def optional_groups(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    return check_groups(values) or None


def check_password(value: str) -> str:
    if not value:
        raise ValueError("is required")
    return value
