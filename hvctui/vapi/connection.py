"""Where and as whom to call: plain values, cheap to import (no HTTP library)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pydantic import SecretStr

TlsMode = Literal["system", "ca_file", "pinned", "insecure"]


@dataclass(frozen=True)
class TlsPolicy:
    """How the cloud vCenter's certificate is trusted (see vapi/tls.py for the mechanics)."""

    mode: TlsMode = "system"
    ca_file: str = ""
    pin_sha256: str = ""

    def describe(self) -> str:
        if self.mode == "ca_file":
            return f"verified against {self.ca_file}"
        if self.mode == "pinned":
            return f"pinned to {self.pin_sha256[:23]}…"
        if self.mode == "insecure":
            return "INSECURE: certificate not verified"
        return "verified against the system CAs"


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    #: The whole request, body included: a trickling answer cannot hold the call forever.
    total: float = 60.0


@dataclass(frozen=True)
class Connection:
    """The cloud vCenter that receives the call, and the credential to log in with."""

    server: str
    user: str
    password: SecretStr = field(repr=False)
    tls: TlsPolicy = TlsPolicy()
    accept_language: str = ""
    timeouts: Timeouts = Timeouts()
