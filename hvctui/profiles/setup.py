"""From a profile (and overrides) to what the flows need: a Connection and a spec.

Both faces use this, so a value is judged the same way in a form field and in a CLI flag.
Problems are returned per field, each naming the value and what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from typing import TYPE_CHECKING

from hvctui.profiles.store import Invalid, Profile
from hvctui.vapi.connection import Connection, SecretLike, Timeouts, TlsPolicy
from hvctui.vapi.errors import InputError

if TYPE_CHECKING:
    from hvctui.vapi.models import CreateSpec
    from hvctui.vapi.spec import LinkSpec

#: Fields a link needs, with the words a person reads for them.
FIELD_LABELS: dict[str, str] = {
    "server": "cloud vCenter server",
    "user": "cloud vCenter user",
    "tls": "TLS mode",
    "ca_file": "CA file",
    "pin_sha256": "pinned SHA-256",
    "psc_hostname": "PSC host name",
    "psc_port": "PSC port",
    "domain_name": "SSO domain",
    "psc_user": "PSC administrator",
    "ssl_thumbprint": "PSC SSL thumbprint",
    "admin_groups": "admin groups",
    "password_source": "password source",
    "psc_password_source": "PSC password source",
    "accept_language": "language",
}

_CONNECTION_REQUIRED = ("server", "user")
_SPEC_REQUIRED = ("psc_hostname", "domain_name", "psc_user")


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{FIELD_LABELS.get(self.field, self.field)}: {self.message}"


def merge(profile: Profile | None, overrides: dict[str, Any]) -> tuple[Profile | None,
                                                                       list[FieldProblem]]:
    """The profile with the overrides applied (None values are ignored), checked."""
    data = (profile or Profile()).as_dict()
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Profile.from_dict(data), []
    except Invalid as exc:
        return None, [FieldProblem(loc[-1], why) for loc, why in exc.problems]


def check_for_link(profile: Profile, *, need_spec: bool = True) -> list[FieldProblem]:
    """Every problem that would stop a link from being sent, per field."""
    problems = [FieldProblem(f, "is required") for f in _CONNECTION_REQUIRED
                if not getattr(profile, f).strip()]
    if profile.tls == "ca_file" and not profile.ca_file.strip():
        problems.append(FieldProblem("ca_file", "is required with TLS mode ca_file"))
    if profile.tls == "pinned" and not profile.pin_sha256:
        problems.append(FieldProblem(
            "pin_sha256", "is required with TLS mode pinned (accept the certificate first)"))
    if need_spec:
        problems += [FieldProblem(f, "is required") for f in _SPEC_REQUIRED
                     if not getattr(profile, f).strip()]
    return problems


def raise_problems(problems: list[FieldProblem], flag_names: dict[str, str] | None = None) -> None:
    if not problems:
        return
    names = flag_names or {}
    text = "; ".join(
        f"{names.get(p.field, FIELD_LABELS.get(p.field, p.field))}: {p.message}"
        for p in problems
    )
    raise InputError(text, field=problems[0].field,
                     hint="Correct the value named and run again; nothing was sent.")


def tls_policy(profile: Profile) -> TlsPolicy:
    return TlsPolicy(profile.tls, profile.ca_file, profile.pin_sha256)  # type: ignore[arg-type]  # checked by Profile


def build_connection(profile: Profile, password: SecretLike,
                     timeouts: Timeouts = Timeouts(), *, in_place_io: bool = False) -> Connection:
    return Connection(profile.server, profile.user, password, tls_policy(profile),
                      profile.accept_language, timeouts, in_place_io)


_SPEC_FIELD_OF = {"port": "psc_port", "username": "psc_user"}


def _spec_fields(profile: Profile) -> dict[str, Any]:
    return {
        "psc_hostname": profile.psc_hostname,
        "port": profile.psc_port or None,
        "domain_name": profile.domain_name,
        "username": profile.psc_user,
        "ssl_thumbprint": profile.ssl_thumbprint or None,
        "admin_groups": list(profile.admin_groups) or None,
    }


def _spec_problem(field: str, message: str) -> InputError:
    return InputError(message, field=_SPEC_FIELD_OF.get(field, field))


def build_spec(profile: Profile, psc_password: SecretLike) -> CreateSpec:
    """The pydantic CreateSpec (the form's validation); InputError names the first bad field."""
    from pydantic import SecretStr, ValidationError

    from hvctui.vapi.models import CreateSpec

    try:
        return CreateSpec(password=SecretStr(psc_password.get_secret_value()),
                          **_spec_fields(profile))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        raise _spec_problem(field, err["msg"].removeprefix("Value error, ")) from None


def build_link_spec(profile: Profile, psc_password: SecretLike) -> LinkSpec:
    """The same checks and the same body as `build_spec`, without loading pydantic (the CLI)."""
    from hvctui.vapi.spec import LinkSpec, SpecInvalid

    try:
        return LinkSpec.checked(password=psc_password, **_spec_fields(profile))
    except SpecInvalid as exc:
        raise _spec_problem(*exc.problems[0]) from None
