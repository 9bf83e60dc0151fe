"""Where and as whom to call: plain values, cheap to import (no HTTP library)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hvctui.vapi.tls import TlsPolicy

if TYPE_CHECKING:
    from pydantic import SecretStr


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
