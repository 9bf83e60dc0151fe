"""Pydantic models of the `/api/hvc` wire: what is sent and what comes back.

Every model defers building its validator to first use (`defer_build`): a command that links
successfully never pays for the error models.
"""

from __future__ import annotations

from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from hvctui.vapi.certs import normalize_thumbprint, pem_certificate, pem_to_der, sha256_thumbprint
from hvctui.vapi.checks import check_groups, check_host

#: The CreateSpec's fields in wire order.
SPEC_FIELDS = ("psc_hostname", "port", "domain_name", "username", "password", "ssl_thumbprint",
               "ssl_certificate", "admin_groups")


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class SpecInvalid(ValueError):
    """Every CreateSpec field that is wrong, as (field, message) pairs in field order."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


class CreateSpec(BaseModel):
    """`Links.CreateSpec`: the body of `POST /api/hvc/links`, and the one judge of its values.

    The form, the CLI and the config all check spec values here (`CreateSpec.checked`,
    `CreateSpec.problems`): there is no second spec type.
    """

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, defer_build=True)

    psc_hostname: str
    port: str | None = None
    domain_name: str
    username: str
    password: SecretStr
    ssl_thumbprint: str | None = None
    #: vSphere 9.0: the PSC's leaf certificate as PEM (the thumbprint is deprecated there).
    ssl_certificate: str | None = None
    admin_groups: list[str] | None = None

    @field_validator("psc_hostname")
    @classmethod
    def _host(cls, v: str) -> str:
        return check_host(v)

    @field_validator("port", mode="before")
    @classmethod
    def _port(cls, v: Any) -> str | None:
        if _is_blank(v):
            return None
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise ValueError("must be a port number from 1 to 65535")
        text = str(v).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 5 and 1 <= int(text) <= 65535):
            raise ValueError(f"{text[:20]!r} is not a port number from 1 to 65535")
        return str(int(text))

    @field_validator("domain_name", "username")
    @classmethod
    def _single_word(cls, v: str) -> str:
        text = v.strip()
        if not text:
            raise ValueError("is required")
        if any(c.isspace() for c in text):
            raise ValueError(f"{text[:60]!r} must not contain spaces")
        if not text.isprintable():  # a control or bidi character: never sent, never a login try
            raise ValueError(f"{text[:60]!r} holds a control character")
        return text

    @field_validator("password")
    @classmethod
    def _password(cls, v: SecretStr) -> SecretStr:
        if not v.get_secret_value():
            raise ValueError("is required")
        return v

    @field_validator("ssl_thumbprint", mode="before")
    @classmethod
    def _thumbprint(cls, v: Any) -> str | None:
        if _is_blank(v):
            return None
        if not isinstance(v, str):
            raise ValueError("must be a SHA-256 thumbprint (text)")
        return normalize_thumbprint(v)

    @field_validator("ssl_certificate", mode="before")
    @classmethod
    def _certificate(cls, v: Any, info: ValidationInfo) -> str | None:
        if _is_blank(v):
            return None
        if not isinstance(v, str):
            raise ValueError("must be a PEM certificate (text)")
        pem = pem_certificate(v)
        thumbprint = info.data.get("ssl_thumbprint")
        if thumbprint:
            actual = sha256_thumbprint(pem_to_der(pem))
            if actual != thumbprint:
                raise ValueError(f"its SHA-256 is {actual}, not the thumbprint {thumbprint}: "
                                 "give the certificate and thumbprint of the same PSC")
        return pem

    @field_validator("admin_groups")
    @classmethod
    def _groups(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else (check_groups(v) or None)

    @classmethod
    def checked(cls, **values: Any) -> CreateSpec:
        """The spec, or SpecInvalid naming every field that is wrong (not just the first)."""
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise SpecInvalid(_problems(exc)) from None

    @classmethod
    def problems(cls, values: dict[str, Any]) -> list[tuple[str, str]]:
        """What is wrong with the fields given (fields not given are not judged)."""
        probe = {"psc_hostname": "h", "domain_name": "d", "username": "u", "password": "p"}
        probe.update(values)
        try:
            cls.model_validate(probe)
        except ValidationError as exc:
            return [(f, m) for f, m in _problems(exc) if f in values]
        return []

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

    def with_thumbprint(self, thumbprint: str, certificate: str | None = None) -> CreateSpec:
        """The same spec, trusting the PSC certificate with this thumbprint (and this PEM,
        vSphere 9.0; without one, a PEM the spec held is dropped: it would contradict)."""
        return self.model_copy(update={"ssl_thumbprint": thumbprint,
                                       "ssl_certificate": certificate})


def _problems(exc: ValidationError) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_input=False, include_url=False, include_context=False):
        field = str(err["loc"][0]) if err["loc"] else ""
        if err["type"] == "missing":
            message = "is required"
        elif err["type"] == "extra_forbidden":
            message = "is not a CreateSpec field"
        else:
            message = str(err["msg"]).removeprefix("Value error, ")
        out.append((field, message))
    order = {name: i for i, name in enumerate(SPEC_FIELDS)}
    return sorted(out, key=lambda p: order.get(p[0], len(order)))


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


class LocalizationParam(BaseModel):
    """One named parameter: exactly one of s, dt, i, d, l, with its modifiers."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    s: str | None = None
    dt: str | None = None
    i: int | None = None
    d: float | None = None
    l: NestedLocalizableMessage | None = None  # noqa: E741 - the wire's own name
    format: str | None = None  # a DateTimeFormat name (render.DATE_TIME_FORMATS)
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
