"""Pydantic models of the `/api/hvc` wire: what is sent and what comes back.

Every model defers building its validator to first use (`defer_build`): a command that links
successfully never pays for the error models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from hvctui.vapi.checks import (
    check_host,
    check_password,
    check_text,
    normalize_thumbprint,
    optional_groups,
    optional_port,
    optional_thumbprint,
)


class CreateSpec(BaseModel):
    """`Links.CreateSpec`: the body of `POST /api/hvc/links`."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, defer_build=True)

    psc_hostname: str
    port: str | None = None
    domain_name: str
    username: str
    password: SecretStr
    ssl_thumbprint: str | None = None
    admin_groups: list[str] | None = None

    # Each rule lives in vapi/checks.py, shared with the plain LinkSpec (vapi/spec.py).

    @field_validator("psc_hostname")
    @classmethod
    def _host(cls, v: str) -> str:
        return check_host(v)

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, v: Any) -> str | None:
        return optional_port(v)

    @field_validator("domain_name", "username")
    @classmethod
    def _required_text(cls, v: str) -> str:
        return check_text(v)

    @field_validator("password")
    @classmethod
    def _password(cls, v: SecretStr) -> SecretStr:
        check_password(v.get_secret_value())
        return v

    @field_validator("ssl_thumbprint", mode="before")
    @classmethod
    def _thumbprint(cls, v: Any) -> str | None:
        return optional_thumbprint(v)

    @field_validator("admin_groups")
    @classmethod
    def _groups(cls, v: list[str] | None) -> list[str] | None:
        return optional_groups(v)

    def to_wire(self) -> dict[str, Any]:
        """The JSON body, password revealed, unset optional fields left out (not null)."""
        body = self.model_dump(exclude_none=True)
        body["password"] = self.password.get_secret_value()
        return body

    def redacted(self) -> dict[str, Any]:
        """The body as it may be shown or logged."""
        body = self.model_dump(exclude_none=True)
        body["password"] = "********"
        return body

    def with_thumbprint(self, thumbprint: str) -> CreateSpec:
        """The same spec, trusting the PSC certificate with this thumbprint."""
        return self.model_copy(update={"ssl_thumbprint": thumbprint})


class CertificateInfo(BaseModel):
    """`Links.CertificateInfo`: what an UNVERIFIED_PEER answer offers to trust."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    ssl_thumbprint: str
    ssl_certificate: str | None = None


class LinkSummary(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)

    link: str
    display_name: str = ""


class NestedLocalizableMessage(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)

    id: str = ""
    params: dict[str, LocalizationParam] | None = None


DateTimeFormat = Literal[
    "SHORT_DATE",
    "MED_DATE",
    "LONG_DATE",
    "FULL_DATE",
    "SHORT_TIME",
    "MED_TIME",
    "LONG_TIME",
    "FULL_TIME",
    "SHORT_DATE_TIME",
    "MED_DATE_TIME",
    "LONG_DATE_TIME",
    "FULL_DATE_TIME",
]


class LocalizationParam(BaseModel):
    """One named parameter: exactly one of s, dt, i, d, l, with its modifiers."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    s: str | None = None
    dt: str | None = None
    i: int | None = None
    d: float | None = None
    l: NestedLocalizableMessage | None = None  # noqa: E741 - the wire's own name
    format: str | None = None
    precision: int | None = None

    @property
    def kind(self) -> str:
        for name in ("s", "i", "d", "dt", "l"):
            if getattr(self, name) is not None:
                return name
        return ""


NestedLocalizableMessage.model_rebuild()


class LocalizableMessage(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)

    id: str = ""
    default_message: str = ""
    args: list[str] = Field(default_factory=list)
    params: dict[str, LocalizationParam] | None = None
    localized: str | None = None

    @property
    def text(self) -> str:
        """What a person reads: the server's localized text, else its default message."""
        return self.localized if self.localized else self.default_message


class LinkInfo(BaseModel):
    """`Links.Info` (8.0.1+): the health of a link."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    connection_health_status: str = "UNKNOWN"
    health_status_message: LocalizableMessage | None = None


class SessionInfo(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)

    user: str = ""
    created_time: str = ""
    last_accessed_time: str = ""
