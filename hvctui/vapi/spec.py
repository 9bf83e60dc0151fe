"""The CreateSpec as plain values, for a command that must start fast.

`LinkSpec.checked` applies the very rules the pydantic `CreateSpec` applies (each one a function
in vapi/checks.py), field by field in the same order, and gives the same wire body. The CLI sends
a LinkSpec, so `hvctui link` does not load pydantic (about 60 ms of its start-up); the TUI's form
validates with `CreateSpec`. tests/test_models.py proves the two accept, reject and serialise
alike. The flows take either (`SpecLike`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from hvctui.vapi.checks import (
    check_host,
    check_password,
    check_text,
    optional_groups,
    optional_port,
    optional_thumbprint,
)
from hvctui.vapi.connection import SecretLike

T = TypeVar("T")

#: The CreateSpec's fields in the order both models check them.
SPEC_FIELDS = ("psc_hostname", "port", "domain_name", "username", "password", "ssl_thumbprint",
               "admin_groups")


class SpecLike(Protocol):
    """What the flows need of a spec: `CreateSpec` and `LinkSpec` both are one."""

    @property
    def psc_hostname(self) -> str: ...

    @property
    def domain_name(self) -> str: ...

    def to_wire(self) -> dict[str, Any]: ...

    def redacted(self) -> dict[str, Any]: ...

    def with_thumbprint(self, thumbprint: str) -> SpecLike: ...


class SpecInvalid(ValueError):
    """One or more CreateSpec fields are wrong: (field, message) pairs, in field order."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


@dataclass(frozen=True)
class LinkSpec:
    """`Links.CreateSpec`, checked; build it with `LinkSpec.checked`."""

    psc_hostname: str
    port: str | None
    domain_name: str
    username: str
    password: SecretLike = field(repr=False)
    ssl_thumbprint: str | None = None
    admin_groups: list[str] | None = None

    @classmethod
    def checked(
        cls,
        *,
        psc_hostname: str,
        domain_name: str,
        username: str,
        password: SecretLike,
        port: str | int | None = None,
        ssl_thumbprint: str | None = None,
        admin_groups: list[str] | None = None,
    ) -> LinkSpec:
        """The spec, or SpecInvalid naming every field that is wrong."""
        problems: list[tuple[str, str]] = []

        def run(name: str, rule: Callable[[Any], T], value: Any) -> T | None:
            if name in ("psc_hostname", "domain_name", "username") and not isinstance(value, str):
                problems.append((name, "must be text"))
                return None
            try:
                return rule(value)
            except ValueError as exc:
                problems.append((name, str(exc)))
                return None

        host = run("psc_hostname", check_host, psc_hostname)
        checked_port = run("port", optional_port, port)
        domain = run("domain_name", check_text, domain_name)
        user = run("username", check_text, username)
        run("password", check_password, password.get_secret_value())
        thumbprint = run("ssl_thumbprint", optional_thumbprint, ssl_thumbprint)
        groups = run("admin_groups", optional_groups,
                     None if admin_groups is None else list(admin_groups))
        if problems or host is None or domain is None or user is None:
            raise SpecInvalid(problems)
        return cls(host, checked_port, domain, user, password, thumbprint, groups)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body, password revealed, unset optional fields left out (not null)."""
        body = self._shown()
        body["password"] = self.password.get_secret_value()
        return {name: body[name] for name in SPEC_FIELDS if name in body}

    def redacted(self) -> dict[str, Any]:
        """The body as it may be shown or logged."""
        body = self._shown()
        body["password"] = "********"
        return {name: body[name] for name in SPEC_FIELDS if name in body}

    def with_thumbprint(self, thumbprint: str) -> LinkSpec:
        """The same spec, trusting the PSC certificate with this thumbprint."""
        return dataclasses.replace(self, ssl_thumbprint=thumbprint)

    def _shown(self) -> dict[str, Any]:
        return {name: list(value) if isinstance(value, list) else value
                for name in SPEC_FIELDS if name != "password"
                and (value := getattr(self, name)) is not None}
