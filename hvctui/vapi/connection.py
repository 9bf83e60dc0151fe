"""Where and as whom to call: plain values, cheap to import (no HTTP library)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

TlsMode = Literal["system", "ca_file", "pinned", "insecure"]


class SecretLike(Protocol):
    """A password that does not show itself: this module's Secret or pydantic's SecretStr."""

    def get_secret_value(self) -> str: ...


class Secret:
    """A password held in memory only. It prints as asterisks, in repr, str and f-strings.

    Plain rather than pydantic's SecretStr so that the connection layer does not load pydantic;
    a crash report that dumps local variables shows the mask, never the value.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


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
    password: SecretLike = field(repr=False)
    tls: TlsPolicy = TlsPolicy()
    accept_language: str = ""
    timeouts: Timeouts = Timeouts()
