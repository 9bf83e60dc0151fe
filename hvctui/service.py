"""The use cases, written once for both faces: prepare a call, run it, record it; edit profiles.

The CLI and the TUI call this layer and nothing under it: neither assembles a connection, a
CreateSpec or a history entry itself, so a change to how a call is prepared, recorded or
reported is made here, once. Like the core, it never imports Textual.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from hvctui.profiles.credentials import (
    PASSWORD_ENV,
    PSC_PASSWORD_ENV,
    CredentialKey,
    Credentials,
    PasswordUnavailable,
    psc_key,
    vcenter_key,
    withheld,
)
from hvctui.profiles.history import History, HistoryEntry, now_text
from hvctui.profiles.store import Config, ConfigStore, Invalid, Profile, check_profile_name
from hvctui.vapi import (
    PORT_FIELD,
    Cancelled,
    Connection,
    ErrorType,
    HvcError,
    InputError,
    Secret,
    ServerError,
    Timeouts,
    TlsPolicy,
    normalize_thumbprint,
    one_line,
    pem_to_der,
    sha256_thumbprint,
)

if TYPE_CHECKING:
    import httpx

    from hvctui.vapi import (
        CertificateInfo,
        CreateSpec,
        EventHook,
        LinkHealth,
        LinkOutcome,
        PscCheck,
        PscChecker,
        TrustDecider,
    )

#: Every field a call is prepared from, with the words a person reads for it.
FIELD_LABELS: dict[str, str] = {
    "server": "cloud vCenter server",
    "user": "cloud vCenter user",
    "password": "cloud vCenter password",
    "tls": "TLS mode",
    "ca_file": "CA file",
    "pin_sha256": "pinned SHA-256",
    "psc_hostname": "PSC host name",
    "psc_port": "PSC port",
    "domain_name": "SSO domain",
    "psc_user": "PSC administrator",
    "psc_password": "PSC password",
    "ssl_thumbprint": "PSC SSL thumbprint",
    "ssl_certificate": "PSC SSL certificate",
    "admin_groups": "admin groups",
    "password_source": "password source",
    "psc_password_source": "PSC password source",
    "accept_language": "language",
}

#: The profile field behind each CreateSpec field.
PROFILE_FIELD_OF_SPEC = {"psc_hostname": "psc_hostname", "port": "psc_port",
                         "domain_name": "domain_name", "username": "psc_user",
                         "password": "psc_password", "ssl_thumbprint": "ssl_thumbprint",
                         "ssl_certificate": "ssl_certificate", "admin_groups": "admin_groups"}
SPEC_FIELD_OF_PROFILE = {v: k for k, v in PROFILE_FIELD_OF_SPEC.items()}

_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{FIELD_LABELS.get(self.field, self.field)}: {self.message}"


#: `Service.save_profile` without a check of what the file holds.
ANY: Any = object()


class ChangedOnDisk(ValueError):
    """The profile in the file is not the one a face loaded: saving would drop that change."""


class NotReady(InputError):
    """A call that cannot be sent: every problem, each naming its field."""

    def __init__(self, problems: list[FieldProblem], names: dict[str, str] | None = None) -> None:
        names = names or {}
        # A message that sends the user to another field names it as this face does.
        port = names.get("psc_port", PORT_FIELD)
        text = "; ".join(f"{names.get(p.field, FIELD_LABELS.get(p.field, p.field))}: "
                         f"{p.message.replace(PORT_FIELD, port)}" for p in problems)
        super().__init__(text, field=problems[0].field if problems else "",
                         hint="Correct the values named; nothing was sent.")
        self.problems = problems

    @property
    def fleet_problem(self) -> str:  # type: ignore[override]
        if any(p.field in ("password", "psc_password") for p in self.problems):
            return "password_needed"
        return "incomplete"

    @property
    def fleet_detail(self) -> str:
        return "; ".join(str(p) for p in self.problems)


def merge(base: Profile | None, overrides: dict[str, Any]) -> tuple[Profile | None,
                                                                      list[FieldProblem]]:
    """The profile with the overrides applied (None values are ignored), checked as the config
    file is checked."""
    data = (base or Profile()).as_dict()
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Profile.from_dict(data), []
    except Invalid as exc:
        return None, [FieldProblem(str(loc[-1]), why) for loc, why in exc.problems]


def spec_values(profile: Profile) -> dict[str, Any]:
    """The CreateSpec's fields (but the password) from a profile; unset ones left out."""
    values: dict[str, Any] = {"psc_hostname": profile.psc_hostname,
                              "domain_name": profile.domain_name, "username": profile.psc_user}
    if profile.psc_port:
        values["port"] = profile.psc_port
    if profile.ssl_thumbprint:
        values["ssl_thumbprint"] = profile.ssl_thumbprint
    if profile.ssl_certificate:
        values["ssl_certificate"] = profile.ssl_certificate
        if not profile.ssl_thumbprint:
            # Sent with its thumbprint too: a vCenter before 9.0 knows only the thumbprint.
            try:
                values["ssl_thumbprint"] = sha256_thumbprint(pem_to_der(profile.ssl_certificate))
            except ValueError:
                pass  # the CreateSpec names what is wrong with the PEM
    if profile.admin_groups:
        values["admin_groups"] = list(profile.admin_groups)
    return values


def field_problems(values: dict[str, Any]) -> list[FieldProblem]:
    """What is wrong with these profile fields as typed (fields not given are not judged).

    Spec fields are judged by the CreateSpec itself; the others as the config file judges them.
    """
    problems: list[FieldProblem] = []
    own = {k: v for k, v in values.items() if k not in SPEC_FIELD_OF_PROFILE}
    if own:
        _, problems = merge(None, own)
        problems = [p for p in problems if p.field in own]
    spec = {SPEC_FIELD_OF_PROFILE[k]: v for k, v in values.items()
            if k in SPEC_FIELD_OF_PROFILE and k != "psc_password" and v not in ("", [], None)}
    if spec:
        from hvctui.vapi import CreateSpec

        problems += [FieldProblem(PROFILE_FIELD_OF_SPEC[f], m)
                     for f, m in CreateSpec.problems(spec)]
    if "accept_language" in values:
        problems += _language_problems(str(values["accept_language"]))
    return problems


def _language_problems(value: str) -> list[FieldProblem]:
    tags = [t.strip() for t in value.split(",") if t.strip()]
    bad = [t for t in tags if not _LANGUAGE.fullmatch(t.split(";")[0].strip())]
    if bad:
        return [FieldProblem("accept_language", f"{one_line(bad[0], 30)!r} is not a language "
                             "tag (e.g. en-US, de-DE)")]
    return []


@dataclass(frozen=True)
class Call:
    """A call ready to go: the profile it came from, the vCenter to call, the spec to send."""

    profile_name: str
    profile: Profile
    connection: Connection
    spec: CreateSpec | None = None
    #: Trust-on-first-use is still to be done (TLS pinned, no pin yet): the TUI asks first.
    needs_pin: bool = False
    #: The PSC administrator's password, for a call that sends it outside a CreateSpec
    #: (unlink with PSC credentials); found under psc_key like the spec's own.
    psc_password: Secret | None = None
    #: The passwords this call sends, each with its key: held for the process once the server
    #: took them, never sent again once it refused them (Service._settle).
    sends: tuple[tuple[str, CredentialKey, Secret, bool], ...] = ()

    @property
    def label(self) -> str:
        return self.profile_name or "(unsaved)"

    def pinned(self, sha256: str) -> Call:
        """The call once a person accepted the vCenter's certificate on first use: pinned to
        exactly that certificate, before any credential is sent."""
        pin = normalize_thumbprint(sha256)
        return replace(self, connection=replace(self.connection, tls=TlsPolicy("pinned", "", pin)),
                       profile=self.profile.replace(pin_sha256=pin), needs_pin=False)


@dataclass(frozen=True)
class PscCheckTarget:
    """What `check the PSC` asks: the PSC's host and port, and the certificate the person gave
    (profile or flag) to compare with, if any."""

    host: str
    port: int
    offered: CertificateInfo | None
    thumbprint: str


def check_payload(check: PscCheck, profile: str = "") -> dict[str, Any]:
    """The PSC check as `hvctui check-psc --json` prints it and the TUI copies it (its fields
    at the top for the scripts written against them, and as `psc_check`, as in link's)."""
    from hvctui.vapi import Verdict

    return {"ok": check.verdict is not Verdict.DIFFERENT and bool(check.seen_sha256),
            "profile": profile or None, **check.as_json(), "psc_check": check.as_json()}


def prepare_psc_check(base: Profile | None, overrides: dict[str, Any],
                      names: dict[str, str] | None = None) -> PscCheckTarget:
    """The check of the PSC before linking, for both faces; NotReady names every problem."""
    profile, problems = merge(base, overrides)
    if profile is None:
        raise NotReady(problems, names)
    if not profile.psc_hostname:
        raise NotReady([FieldProblem("psc_hostname", "is required")], names)
    values = {k: v for k, v in (("psc_hostname", profile.psc_hostname),
                                ("port", profile.psc_port),
                                ("ssl_thumbprint", profile.ssl_thumbprint),
                                ("ssl_certificate", profile.ssl_certificate)) if v}
    from hvctui.vapi import CertificateInfo, CreateSpec

    problems = [FieldProblem(PROFILE_FIELD_OF_SPEC.get(f, f), m)
                for f, m in CreateSpec.problems(values)]
    if problems:
        raise NotReady(problems, names)
    thumbprint = spec_values(profile).get("ssl_thumbprint", "")
    offered = (CertificateInfo(ssl_thumbprint=thumbprint,
                               ssl_certificate=profile.ssl_certificate or None)
               if thumbprint else None)
    return PscCheckTarget(profile.psc_hostname, int(profile.psc_port or 443), offered, thumbprint)


Prompt = Callable[[str], str]
T = TypeVar("T")

#: The profile fields every call needs, and those a link needs too (the CreateSpec's).
REQUIRED = ("server", "user")
REQUIRED_FOR_SPEC = ("psc_hostname", "domain_name", "psc_user")


def missing_values(profile: Profile, *, need_spec: bool) -> list[FieldProblem]:
    """The values a call from `profile` needs that it leaves empty: judged before any password
    is looked for or asked (a password belongs to a user at a server: without them, whose?),
    by `prepare` and by the fleet before its questions."""
    fields = (*REQUIRED, *(REQUIRED_FOR_SPEC if need_spec else ()))
    problems = [FieldProblem(f, "is required") for f in fields if not getattr(profile, f).strip()]
    if profile.tls == "ca_file" and not profile.ca_file.strip():
        problems.append(FieldProblem("ca_file", "is required with TLS mode ca_file"))
    return problems


def prepare(
    name: str,
    base: Profile | None,
    overrides: dict[str, Any],
    *,
    need_spec: bool,
    typed: dict[str, str] | None = None,
    prompt: Prompt | None = None,
    timeouts: Timeouts = Timeouts(),
    allow_first_use_pin: bool = False,
    ask_in_form: bool = False,
    names: dict[str, str] | None = None,
    credentials: Credentials | None = None,
    one_target: bool = False,
    need_psc_password: bool = False,
    found: list[FieldProblem] | tuple[FieldProblem, ...] = (),
) -> Call:
    """A call from a profile, overrides and passwords typed; NotReady names every problem.

    Each password belongs to its user at its server (profiles/credentials.py): typed in the
    form (`typed`, then held for that key), else held from earlier in this process, else
    HVCTUI_PASSWORD / HVCTUI_PSC_PASSWORD for a command aimed at this one vCenter
    (`one_target`), else the profile's source; `prompt` asks on a terminal.
    `need_psc_password`: the PSC's password without a CreateSpec (unlink with PSC
    credentials), found under the same key as the spec's; the PSC and its domain are required
    so that the key, and the link it may be sent for, are known.
    `found`: problems the face found in what it was given (a file it could not read), named
    with all the others.

    Every problem is named at once: values refused by the profile's own rules, the spec's,
    and the required values left empty; a value refused is not named "required" again.
    """
    problems = list(found)
    profile, refused = merge(base, overrides)
    problems += refused
    if profile is None:
        # Name the spec's problems too, not only the first kind found.
        data = {**(base or Profile()).as_dict(),
                **{k: v for k, v in overrides.items() if v is not None}}
        judged = {p.field for p in refused}
        problems += field_problems({k: data[k] for k in (*SPEC_FIELD_OF_PROFILE,
                                                         "accept_language")
                                    if k in data and k not in judged and k != "psc_password"})
        # ...and what else is wrong or missing: judged as if the refused values were unset.
        defaults = Profile().as_dict()
        profile, _ = merge(base, {**overrides, **{f: defaults[f] for f in judged
                                                  if f in defaults}})
        if profile is None:
            raise NotReady(list(dict.fromkeys(problems)), names)
    named = [p.field for p in problems]  # what is named already is not "required" too
    # (The spec's own required values are named by the CreateSpec below, in its field order.)
    problems += [p for p in missing_values(profile, need_spec=False) if p.field not in named]
    if profile.user.strip() and not profile.user.strip().isprintable():
        problems.append(FieldProblem("user", f"{profile.user.strip()[:60]!r} holds a control "
                                     "character"))
    if profile.tls == "ca_file" and profile.ca_file.strip():
        import ssl

        if not os.path.isfile(profile.ca_file):
            problems.append(FieldProblem("ca_file", f"{profile.ca_file[:200]!r} is not a file "
                                         "that can be read"))
        else:
            try:  # judged before anything is sent: a file that is not a CA bundle is bad input
                ssl.create_default_context(cafile=profile.ca_file)
            except (OSError, ssl.SSLError, ValueError):
                problems.append(FieldProblem("ca_file", f"{profile.ca_file[:200]!r} holds no CA "
                                             "certificate (a PEM bundle is needed)"))
    needs_pin = profile.tls == "pinned" and not profile.pin_sha256
    if needs_pin and not allow_first_use_pin:
        problems.append(FieldProblem("pin_sha256", "is required with TLS mode pinned"))
    if profile.accept_language:
        problems += _language_problems(profile.accept_language)
    typed = typed or {}
    credentials = credentials or Credentials()
    store_hint = f"hvctui password set --profile {name}" if name else ""
    # A profile's source gives the password of the user and server it is saved with, only.
    saved_vcenter, saved_psc = (vcenter_key(base), psc_key(base)) if base else (None, None)
    # The PSC's password goes to the cloud vCenter: its source only to the saved one.
    psc_sent_to = (vcenter_key(profile).server, saved_vcenter.server if saved_vcenter else "")
    # A password whose user or server was refused has no key yet: it is asked (or named
    # missing) once they are fixed, not for a server that cannot be.
    refused_fields = {p.field for p in problems} | {p.field for p in field_problems(
        {f: getattr(profile, f) for f in ("server", "psc_hostname", "psc_port")
         if getattr(profile, f).strip()})}
    keyed = {f for f, who in _PASSWORD_FIELDS.items() if not refused_fields & set(who[:-1])}
    password = _password(
        typed.get("password", ""), vcenter_key(profile), profile.password_source,
        PASSWORD_ENV if one_target else "", prompt, "password", problems, ask_in_form,
        credentials, store_hint, saved_vcenter) if "password" in keyed else None
    spec = None
    psc_only = need_psc_password and not need_spec
    if psc_only:
        psc_values = {f: getattr(profile, f) for f in ("psc_hostname", "psc_port",
                                                       "domain_name", "psc_user")}
        missing = [FieldProblem(f, "is required to send the PSC's credentials")
                   for f in ("psc_hostname", "domain_name", "psc_user")
                   if not psc_values[f].strip()]
        problems += missing + field_problems({k: v for k, v in psc_values.items() if v})
    psc_password = _password(
        typed.get("psc_password", ""), psc_key(profile), profile.psc_password_source,
        PSC_PASSWORD_ENV if one_target else "", prompt, "psc_password", problems,
        ask_in_form, credentials, store_hint and f"{store_hint} --psc", saved_psc,
        psc_sent_to) if (psc_only or need_spec) and "psc_password" in keyed else None
    if need_spec:
        from hvctui.vapi import CreateSpec, SpecInvalid

        try:
            spec = CreateSpec.checked(password=(psc_password or Secret("-")).get_secret_value(),
                                      **spec_values(profile))
        except SpecInvalid as invalid:
            problems += [FieldProblem(PROFILE_FIELD_OF_SPEC.get(f, f), m)
                         for f, m in invalid.problems]
    if problems or password is None:
        raise NotReady(list(dict.fromkeys(problems[:len(named)] + [
            p for p in problems[len(named):] if p.field not in named])), names)
    connection = Connection(profile.server, profile.user, password,
                            TlsPolicy(profile.tls, profile.ca_file,  # type: ignore[arg-type]
                                      profile.pin_sha256),
                            profile.accept_language, timeouts)
    if psc_only and psc_password is None:
        raise NotReady(list(dict.fromkeys(problems)), names)
    psc = psc_password if psc_only else (
        Secret(spec.password.get_secret_value()) if spec else None)
    # (field, key, password, typed here): a typed one is held once its server took it; one
    # from a profile's source stays that profile's (another profile with the same user and
    # server keeps its own source).
    sends = (("password", vcenter_key(profile), password, bool(typed.get("password"))),
             *((("psc_password", psc_key(profile), psc, bool(typed.get("psc_password"))),)
               if psc else ()))
    return Call(name, profile, connection, spec, needs_pin, psc_password if psc_only else None,
                sends)


#: The profile fields that name whose password it is, and where it comes from.
_PASSWORD_FIELDS = {"password": ("user", "server", "password_source"),
                    "psc_password": ("psc_user", "psc_hostname", "psc_port", "server",
                                     "psc_password_source")}


@dataclass(frozen=True)
class PasswordState:
    """What a face says of a password field: held for its user and server in this process,
    or taken from the profile's source, or to be given by a person (and why)."""

    held: bool
    source: str
    #: Why the profile's source is not used for the user and server shown (withheld), or "".
    withheld: str = ""
    #: "user", "server" or "user and server": what differs from the saved profile.
    edited: str = ""


def password_state(credentials: Credentials, base: Profile | None, values: dict[str, Any],
                   field_name: str) -> PasswordState:
    """The state of a password field for a form showing `values` (raw, unsaved) over the
    saved `base`: by the same keys and rule as `prepare` (credentials.withheld)."""
    names = _PASSWORD_FIELDS[field_name]
    saved = base or Profile()
    shown = Profile(**{name: str(values.get(name, getattr(saved, name))).strip()
                       for name in names})
    key_of = vcenter_key if field_name == "password" else psc_key
    key = key_of(shown)
    source = getattr(shown, names[-1])
    sent_to = ((vcenter_key(shown).server, vcenter_key(saved).server)
               if field_name == "psc_password" else ("", ""))
    why = withheld(key, source, key_of(base) if base else None, *sent_to)
    edited = ""
    if why:
        saved_key = key_of(saved)
        edited = " and ".join(w for w, differs in (("user", saved_key.user != key.user),
                                                    ("server", saved_key.server != key.server))
                              if differs)
    held = bool(key.user and key.server) and credentials.held(key) is not None
    return PasswordState(held, source, why, edited)


def _password(typed: str, key: CredentialKey, source: str, override_env: str,
              prompt: Prompt | None, field: str, problems: list[FieldProblem],
              ask_in_form: bool, credentials: Credentials, store_hint: str,
              saved: CredentialKey | None = None,
              sent_to: tuple[str, str] = ("", "")) -> Secret | None:
    """The password of `key`, or None with its problem added. `saved`: the key the profile
    is saved with, the only one its source gives a password for; `sent_to`: the vCenter it
    goes to, now and as saved (credentials.withheld)."""
    if not key.user or not key.server:
        return None  # the user or the server is missing, and named so: whose password?
    try:
        if typed:  # held for the process once the server takes it (Service._settle)
            secret = Secret(typed)
            credentials.check_text(key, secret)
            return credentials.check_not_rejected(key, secret, "typed")
        if problems and prompt is not None:
            return None  # do not ask for a password for a call that cannot be sent anyway
        found = credentials.find(key, source, override_env=override_env,
                                 store_hint=store_hint, saved=saved, sent_to=sent_to[0],
                                 saved_sent_to=sent_to[1])
        if found is not None:
            return found
        why = withheld(key, source, saved, *sent_to)
        if prompt is None or ask_in_form:
            if ask_in_form:  # the TUI: the form is where a missing password is given
                problems.append(FieldProblem(field, f"{why}; type it here (kept in memory "
                                             "only)" if why else "is required: type it (kept "
                                             "in memory only)"))
                return None
            if why:
                raise PasswordUnavailable(
                    f"no password for {key}: {why}, and there is no terminal to ask on",
                    hint=(f"set {override_env}, or " if override_env else "") +
                    "save the profile with this user and server (hvctui profiles set)")
            raise PasswordUnavailable(
                f"no password for {key}: there is no terminal to ask on",
                hint=(f"set {override_env}, or " if override_env else "") +
                "give the profile another password source (env:VARNAME, keyring, command:)")
        value = prompt(f"Password for {key} ({why}): " if why else f"Password for {key}: ")
        if not value:
            credentials.decline(key)
            raise PasswordUnavailable(f"no password was given for {key} (the prompt was "
                                      "left empty)")
        secret = Secret(value)
        credentials.check_text(key, secret)
        return credentials.check_not_rejected(key, secret, "typed")
    except InputError as exc:
        if ask_in_form:
            message = f"{exc.message}: type it here (kept in memory only)"
        else:
            message = f"{exc.message}: {exc.hint}" if exc.hint else exc.message
        problems.append(FieldProblem(field, message))
        return None


# --- running calls, each recorded once -----------------------------------------------------


def status_of(error: BaseException | None) -> str:
    """The history's status word for an outcome (one rule for both faces)."""
    if error is None:
        return "ok"
    return error.history_status if isinstance(error, HvcError) else "Failed"


def refused_credential(error: BaseException | None) -> str:
    """Which password the server refused with `error`: "password" (the login to vCenter),
    "psc_password" (the PSC's administrator, inside the create or an unlink), or ""."""
    if not isinstance(error, ServerError):
        return ""
    if error.error_type is ErrorType.UNAUTHENTICATED and error.operation == "POST /api/session":
        return "password"
    if error.operation.startswith("POST /api/hvc/links") and any(
            "credential" in message.id.lower() for message in error.messages):
        return "psc_password"
    return ""


class _Stopwatch:
    """Time spent on a call, not counting time a person spent in a dialog."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.paused = 0.0

    async def around(self, ask: Awaitable[T]) -> T:
        begun = time.perf_counter()
        try:
            return await ask
        finally:
            self.paused += time.perf_counter() - begun

    @property
    def ms(self) -> int:
        return int((time.perf_counter() - self.started - self.paused) * 1000)


@dataclass
class Service:
    """What both faces share: the config file, the history, and how calls go out.

    `transport` is httpx's seam: None for the network, an ASGI transport in tests.
    """

    store: ConfigStore
    history: History = field(default_factory=History)
    transport: httpx.AsyncBaseTransport | None = None
    #: The history's status for a call cancelled by the user (the CLI says "Interrupted").
    cancelled_status: str = "Cancelled"
    #: Problems met while writing the history, for a face to show once.
    history_problem: str = ""
    #: How the PSC's certificate is checked from this machine (None: vapi/psccheck.py).
    psc_checker: PscChecker | None = None
    #: The passwords of this process, each held for its user at its server.
    credentials: Credentials = field(default_factory=Credentials)
    _recorded_listeners: list[Callable[[str, str, str, str], None]] = field(
        default_factory=list, repr=False)

    def prepare(self, name: str, base: Profile | None, overrides: dict[str, Any], *,
                need_spec: bool, **options: Any) -> Call:
        """`prepare`, with this process's credentials."""
        return prepare(name, base, overrides, need_spec=need_spec,
                       credentials=self.credentials, **options)

    def record(self, call: Call, what: str, error: BaseException | None, detail: str,
               duration_ms: int) -> None:
        """Add one entry to the history; a history that cannot be written is reported, not
        raised (the call's own outcome matters more)."""
        self._append(call.label, call.connection.server, what, error, detail, duration_ms)

    def record_not_sent(self, name: str, server: str, what: str, error: BaseException) -> None:
        """Add the entry of an attempt that stopped before anything was sent (a password
        nobody gave, a profile not pinned yet): the fleet's attempts are in the history
        as the form's are, each with its profile, status and why."""
        self._append(name or "(unsaved)", server, what, error, "", 0)

    def _append(self, label: str, server: str, what: str, error: BaseException | None,
                detail: str, duration_ms: int) -> None:
        status = status_of(error)
        if isinstance(error, (asyncio.CancelledError, KeyboardInterrupt, Cancelled)):
            status = self.cancelled_status
        if isinstance(error, HvcError) and not detail:  # what happened, not the status again
            detail = f"{error.title}: {error.message}" if error.message else error.title
        try:
            self.history.append(HistoryEntry(
                now_text(), one_line(label, 80), one_line(what, 120),
                one_line(server, 120), status, duration_ms, one_line(detail, 200)))
            self.history_problem = ""
        except OSError as exc:
            self.history_problem = f"history not written: {exc.strerror or exc}"
        for listener in list(self._recorded_listeners):
            listener(label, server, what, status)

    def on_recorded(self, listener: Callable[[str, str, str, str], None]
                    ) -> Callable[[], None]:
        """Call `listener(profile, server, what, status)` after each call is recorded (a
        link, an unlink, an admin change, from any screen): a face that shows the state of
        that profile or server updates it. Returns the function that stops it."""
        self._recorded_listeners.append(listener)
        return lambda: self._recorded_listeners.remove(listener) \
            if listener in self._recorded_listeners else None

    async def _recorded(self, call: Call, what: str, run: Callable[[_Stopwatch],
                                                                   Awaitable[Any]],
                        detail_of: Callable[[Any], str]) -> Any:
        watch = _Stopwatch()
        try:
            result = await self._settled(call, run(watch))
        except BaseException as error:
            self.record(call, what, error, "", watch.ms)
            raise
        self.record(call, what, None, detail_of(result), watch.ms)
        return result

    async def _settled(self, call: Call, run: Awaitable[T]) -> T:
        try:
            result = await run
        except BaseException as error:
            self._settle(call, error)
            raise
        self._settle(call, None)
        return result

    def _settle(self, call: Call, error: BaseException | None) -> None:
        """After a call: a password the server refused is never sent again by this process
        (SSO locks an account after three failed logins); one it took is held for its user
        and server, for every screen (a preview, or a call that never reached the server,
        holds nothing)."""
        refused = refused_credential(error)
        for field_name, key, secret, typed in call.sends:
            if field_name == refused:
                self.credentials.reject(key, secret)
            elif typed and (error is None or (refused == "psc_password"
                                              and field_name == "password")):
                self.credentials.remember(key, secret)

    async def link(self, call: Call, decide_trust: TrustDecider,
                   on_event: EventHook | None = None,
                   pin_first: Callable[[Call], Awaitable[Call]] | None = None) -> LinkOutcome:
        """Create the link (the trust step asks `decide_trust`); recorded in the history, a
        failure before anything was sent too. A call whose vCenter is still to be pinned on
        first use is pinned by `pin_first` (shown the certificate, before any credential)."""
        from hvctui.vapi import flow

        assert call.spec is not None, "prepare the call with need_spec=True"
        spec = call.spec

        async def run(watch: _Stopwatch) -> LinkOutcome:
            nonlocal call

            async def decide(offered: Any, verdict: Any) -> bool:
                return await watch.around(decide_trust(offered, verdict))

            if call.needs_pin:
                if pin_first is None:
                    raise InputError("TLS mode is pinned and nothing is pinned yet",
                                     field="pin_sha256")
                call = await watch.around(pin_first(call))
            return await flow.link(call.connection, spec, decide, on_event=on_event,
                                   transport=self.transport, check_psc=self.psc_checker)

        outcome: LinkOutcome = await self._recorded(call, "link", run, lambda o: o.link_id)
        return outcome

    async def check_psc(self, host: str, port: int,
                        offered: Any = None) -> PscCheck:
        """What the PSC presents to this machine, compared with `offered` (a CertificateInfo)
        when given: the check before linking. Sends nothing to vCenter; not recorded."""
        from hvctui.vapi import psccheck

        checker = self.psc_checker or psccheck.check_psc
        return await checker(host, port, offered)

    async def links(self, call: Call, on_event: EventHook | None = None,
                    tz: Any = None) -> tuple[list[LinkHealth], list[dict[str, Any]]]:
        """The links with their health: rows to show, and the --json list."""
        from hvctui.vapi import flow, link_health

        rows = await self._settled(call, flow.list_links(call.connection, on_event=on_event,
                                                         transport=self.transport))
        shown = [link_health(r.link, r.display_name, r.info, tz) for r in rows]
        raw = [{"link": r.link, "display_name": r.display_name,
                "health": r.info.connection_health_status if r.info else None,
                "health_message": s.message or None} for r, s in zip(rows, shown)]
        return shown, raw

    async def unlink(self, call: Call, link_id: str,
                     confirm: Callable[[str], Awaitable[bool]] | None,
                     on_event: EventHook | None = None) -> bool:
        """Remove a link after `confirm` agrees, shown its domain; recorded in the history.

        A call prepared with the PSC's password (`need_psc_password`) unlinks with the PSC's
        credentials (delete-with-credentials, 8.0.1+), and only a link to the profile's own SSO
        domain: that password belongs to that PSC, and vCenter hands it to the linked one."""
        from hvctui.vapi import flow, link_segment

        link_segment(link_id)  # "." or "..": refused before anything is sent or recorded
        psc = None
        if call.psc_password is not None:
            psc = (call.profile.psc_user.strip(), call.psc_password)
            # The link must be to the domain named (what the person means to unlink) and to the
            # SSO domain of the user whose password it is (user@domain): a --domain given beside
            # another domain's administrator must not carry that password to it.
            domains = {d.strip().lower() for d in (call.profile.domain_name,
                                                   call.profile.psc_user.rpartition("@")[2])
                       if d.strip()}
            asked = confirm

            async def same_domain(name: str) -> bool:
                other = sorted(d for d in domains if d != name.strip().lower())
                if other:
                    raise InputError(
                        f"link {one_line(link_id, 80)} is to {one_line(name, 120)!r}, not to "
                        f"{one_line(other[0], 120)!r}: the PSC password of "
                        f"{psc_key(call.profile)} is sent only to unlink its own domain",
                        field="domain_name",
                        hint="Use the profile (or --domain, --psc-hostname, --psc-user) of that "
                             "domain's PSC; nothing was removed and no password was sent.")
                return True if asked is None else await asked(name)

            confirm = same_domain

        async def run(watch: _Stopwatch) -> bool:
            ask = None if confirm is None else (lambda name: watch.around(confirm(name)))
            return await flow.unlink(call.connection, link_id, confirm=ask, on_event=on_event,
                                     psc_credentials=psc, transport=self.transport)

        what = f"unlink {link_id}" + (" with PSC credentials" if psc else "")
        removed: bool = await self._recorded(call, what, run,
                                             lambda done: "removed" if done else "not confirmed")
        return removed

    async def administrators(self, call: Call, *, add: str | None = None,
                             remove: str | None = None) -> list[str]:
        """The HLM administrator groups, after adding or removing one (a change is recorded)."""
        from hvctui.vapi import flow

        async def run(watch: _Stopwatch) -> list[str]:
            return await flow.administrators(call.connection, add=add, remove=remove,
                                             transport=self.transport)

        if add is None and remove is None:
            return await self._settled(call, run(_Stopwatch()))
        what = f"admins add {add}" if add else f"admins remove {remove}"
        groups: list[str] = await self._recorded(call, what, run, lambda g: f"{len(g)} groups")
        return groups

    # --- profiles ---------------------------------------------------------------------------

    def save_profile(self, name: str, profile: Profile, loaded: Any = ANY,
                     over: bool = False) -> Config:
        """Write `profile` as `name`. `loaded`: the profile as the face loaded it (None: it
        did not exist). When the file holds another one now (changed from another window or
        by the CLI), only the fields the face changed from `loaded` are written over it, the
        file's other changes kept; a field changed in both places (or a profile added or
        removed there) is refused with ChangedOnDisk naming it and nothing is written, unless
        `over`: then the face's value wins for those."""
        def save(config: Config) -> None:
            now = config.profiles.get(name)
            if loaded is ANY or now == loaded:
                config.profiles[name] = profile
                return
            if now is None or loaded is None:
                if not over:
                    raise ChangedOnDisk(f"profile {name} was {'removed' if now is None else 'added'}"
                                        f" in {self.store.path} since it was loaded here; "
                                        "nothing was written")
                config.profiles[name] = profile
                return
            mine, theirs, was = profile.as_dict(), now.as_dict(), loaded.as_dict()
            edited = [f for f in mine if mine[f] != was[f]]
            both = [f for f in edited if theirs[f] != was[f] and theirs[f] != mine[f]]
            if both and not over:
                raise ChangedOnDisk(
                    f"profile {name} was changed in {self.store.path} since it was loaded here,"
                    f" in {', '.join(both)} too; nothing was written")
            config.profiles[name] = Profile(**{**theirs, **{f: mine[f] for f in edited}})

        return self.store.update(save)

    def add_profile(self, name: str, profile: Profile | None = None) -> Config:
        check_profile_name(name)

        def add(config: Config) -> None:
            if name in config.profiles:
                raise ValueError(f"a profile named {name!r} exists already")
            config.profiles[name] = profile or Profile()

        return self.store.update(add)

    def rename_profile(self, old: str, new: str) -> Config:
        check_profile_name(new)

        def rename(config: Config) -> None:
            if old not in config.profiles:  # else the save would change nothing, silently
                raise ValueError(f"no profile named {old!r}")
            if new in config.profiles:
                raise ValueError(f"a profile named {new!r} exists already")
            config.profiles = {(new if k == old else k): v for k, v in config.profiles.items()}
            if config.default_profile == old:
                config.default_profile = new

        return self.store.update(rename)

    def edit_profile(self, name: str, values: dict[str, Any]) -> Config:
        """Change only these fields of an existing profile, merged under the store's lock (a
        change another process saved meanwhile to another field is kept). Invalid names the
        values refused; nothing is written then."""
        def edit(config: Config) -> None:
            if name not in config.profiles:
                raise ValueError(f"no profile named {name!r}")
            profile, problems = merge(config.profiles[name], values)
            if profile is None:
                raise Invalid([((p.field,), p.message) for p in problems])
            config.profiles[name] = profile

        return self.store.update(edit)

    def delete_profile(self, name: str) -> Config:
        def delete(config: Config) -> None:
            if name not in config.profiles:
                raise ValueError(f"no profile named {name!r}")
            del config.profiles[name]
            if config.default_profile == name:
                config.default_profile = ""

        return self.store.update(delete)

    def set_profile_field(self, name: str, field_name: str, value: str) -> Config:
        def change(config: Config) -> None:
            if name in config.profiles:
                setattr(config.profiles[name], field_name, value)

        return self.store.update(change)

    def set_theme(self, theme: str) -> Config:
        return self.store.update(lambda c: setattr(c, "theme", theme))
